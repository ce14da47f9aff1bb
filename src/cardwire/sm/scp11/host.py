"""Host side of the SCP11 handshake, sans-IO (GP Card Spec v2.3 Amendment F 7.5, 7.6): the OCE
certificate chain (SCP11a/c), then MUTUAL or INTERNAL AUTHENTICATE, the receipt check and the
session keys."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.asymmetric import ec

from cardwire.apdu import Command, Response
from cardwire.cla import with_channel
from cardwire.errors import CryptogramError, DecodeError, SecureChannelError, UsageError
from cardwire.sm.scp03 import Mode
from cardwire.sm.scp11 import crypto, messages
from cardwire.sm.scp11.constants import KEY_USAGE_FULL, OCE_KID, Variant
from cardwire.sm.scp11.sessions import Scp11HostSession, open_channel

EphemeralSource = Callable[[ec.EllipticCurve], ec.EllipticCurvePrivateKey]


def _generate(curve: ec.EllipticCurve) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve)


class Scp11Handshake:
    """One SCP11 handshake. ``sd_key`` is PK.SD.ECKA (the leaf of the card's certificate store,
    GET DATA BF21); SCP11a/c need ``oce_key`` (SK.OCE.ECKA) and its ``certificates`` (DER, leaf
    last). ``ephemeral`` makes the host's ephemeral key (tests fix it to replay vectors)."""

    def __init__(
        self,
        variant: Variant | str,
        sd_key: ec.EllipticCurvePublicKey,
        *,
        kvn: int,
        oce_key: ec.EllipticCurvePrivateKey | None = None,
        certificates: Sequence[bytes] = (),
        oce_kid: int = OCE_KID,
        oce_kvn: int | None = None,
        key_length: int = 16,
        mode: Mode = Mode.S8,
        channel: int = 0,
        ephemeral: EphemeralSource = _generate,
    ) -> None:
        self.variant = Variant(variant)
        crypto.curve_name(sd_key.curve)
        if self.variant.authenticates_oce and (oce_key is None or not certificates):
            raise UsageError(f"SCP{self.variant} needs the OCE's private key and certificates")
        if self.variant is Variant.B and (oce_key is not None or certificates):
            raise UsageError("SCP11b uses no OCE key: drop oce_key and certificates")
        if key_length not in (16, 24, 32):
            raise UsageError("SCP11 session keys are 16, 24 or 32 bytes")
        if not 0 <= kvn <= 0xFF:
            raise UsageError(f"key version number must be 0..255, got {kvn}")
        self.sd_key = sd_key
        self.kvn = kvn
        self.oce_key = oce_key
        self.certificates = list(certificates)
        self.oce_kid = oce_kid
        self.oce_kvn = kvn if oce_kvn is None else oce_kvn
        self.key_length = key_length
        self.mode = Mode(mode)
        self.channel = channel
        self._ephemeral = ephemeral(sd_key.curve)
        self._sent: bytes | None = None

    def certificate_commands(self) -> list[Command]:
        """PERFORM SECURITY OPERATION commands (SCP11a/c; none for SCP11b)."""
        if not self.variant.authenticates_oce:
            return []
        return messages.certificate_commands(self.certificates, self.oce_kid, self.oce_kvn)

    def authenticate(self) -> Command:
        """MUTUAL AUTHENTICATE (11a/c) or INTERNAL AUTHENTICATE (11b), Amendment F 7.6.2: P1 the
        KVN, P2 the KID of the SD key."""
        agreement = messages.KeyAgreement(
            self.variant.parameter,
            KEY_USAGE_FULL,
            self.key_length,
            crypto.encode_point(self._ephemeral.public_key()),
        )
        self._sent = agreement.encode()
        cla = with_channel(0x80, self.channel)
        return Command(cla, self.variant.instruction, self.kvn, self.variant.kid, self._sent, 256)

    def complete(self, response: Response) -> Scp11HostSession:
        """Check the receipt and open the session. StatusError-free: a refusal raises
        SecureChannelError with the card's status word; a wrong receipt CryptogramError."""
        sent, self._sent = self._sent, None
        if sent is None:
            raise UsageError("complete() before authenticate()")
        if response.sw != 0x9000:
            raise SecureChannelError(
                f"the card refused SCP{self.variant} ({response.sw:04X})", card_sw=response.sw
            )
        try:
            card_object, point, receipt = messages.decode_answer(response.data)
            card_ephemeral = crypto.decode_point(self.sd_key.curve, point)
        except DecodeError as exc:
            raise SecureChannelError(f"bad SCP11 answer: {exc}") from None
        static = self.oce_key if self.oce_key is not None else self._ephemeral
        secret = crypto.agree(self._ephemeral, card_ephemeral, static, self.sd_key)
        keys = crypto.derive_keys(secret, KEY_USAGE_FULL, self.key_length)
        if not crypto.receipt_matches(keys, sent + card_object, receipt):
            raise CryptogramError("SCP11 receipt does not verify (wrong SD key or key version)")
        channel = open_channel(keys, self.mode, receipt)
        trace_keys = (keys.enc, keys.mac, keys.rmac, receipt)
        return Scp11HostSession(channel, self.variant, keys.dek, self.channel, trace_keys)
