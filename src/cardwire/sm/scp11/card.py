"""Card side of the SCP11 handshake for one Security Domain (GP Card Spec v2.3 Amendment F 7.5,
7.6): the OCE certificate chain of PERFORM SECURITY OPERATION, checked up to the CA-KLOC key,
then MUTUAL / INTERNAL AUTHENTICATE with the SD's static key (SK.SD.ECKA)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError, SecureChannelError
from cardwire.sm.scp03 import Mode
from cardwire.sm.scp11 import crypto, messages
from cardwire.sm.scp11.constants import KEY_USAGE_FULL, P2_MORE_CERTIFICATES, Variant
from cardwire.sm.scp11.sessions import Scp11CardSession, open_channel

# ISO/IEC 7816-4:2020 5.6 table 6 status words the handshake answers.
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_WRONG_DATA = 0x6A80
SW_REFERENCE_NOT_FOUND = 0x6A88
SW_WRONG_P1P2 = 0x6A86


def _refuse(message: str, sw: int) -> SecureChannelError:
    return SecureChannelError(message, card_sw=sw)


def verify_issued(certificate: x509.Certificate, issuer: ec.EllipticCurvePublicKey) -> None:
    """ECDSA signature of ``certificate`` by ``issuer``; SecureChannelError (6A80) if not."""
    algorithm = certificate.signature_hash_algorithm
    if not isinstance(algorithm, hashes.HashAlgorithm):
        raise _refuse("certificate signature without a hash algorithm", SW_WRONG_DATA)
    try:
        issuer.verify(certificate.signature, certificate.tbs_certificate_bytes, ec.ECDSA(algorithm))
    except InvalidSignature:
        raise _refuse("OCE certificate signature does not verify", SW_WRONG_DATA) from None


@dataclass(eq=False)
class Scp11Card:
    """SCP11 on one Security Domain. ``sd_keys`` maps a key reference (KID, KVN) to SK.SD.ECKA;
    ``oce_ca`` maps the OCE key reference (KID, KVN) to the CA-KLOC public key that must sign
    the first certificate of the chain (Amendment F 4.1.2). ``mode`` is S8 unless the SD is set
    to S16 (OpenSCP's S16 sessions send the same commands; the mode is out of band)."""

    sd_keys: dict[tuple[int, int], ec.EllipticCurvePrivateKey]
    oce_ca: dict[tuple[int, int], ec.EllipticCurvePublicKey] = field(default_factory=dict)
    mode: Mode = Mode.S8
    # OCE key reference -> the serial numbers the chain's last certificate may have (a stored
    # allowlist, as yubikit's store_allowlist sets it); a reference without one takes any.
    allowlists: dict[tuple[int, int], frozenset[int]] = field(default_factory=dict)
    ephemeral: Callable[[ec.EllipticCurve], ec.EllipticCurvePrivateKey] = field(
        default=ec.generate_private_key, repr=False
    )
    # The OCE chain received so far: its key reference, the last public key checked.
    _chain: tuple[tuple[int, int], ec.EllipticCurvePublicKey] | None = field(
        default=None, init=False, repr=False
    )
    _oce_key: tuple[tuple[int, int], ec.EllipticCurvePublicKey] | None = field(
        default=None, init=False, repr=False
    )

    def perform_security_operation(self, command: Command) -> Response:
        """One OCE certificate (Amendment F 7.5): P1 KVN, P2 KID (b8: more follow)."""
        reference = (command.p2 & ~P2_MORE_CERTIFICATES & 0xFF, command.p1)
        try:
            certificate = x509.load_der_x509_certificate(command.data)
        except ValueError:
            self._chain = self._oce_key = None
            raise _refuse("not an X.509 certificate", SW_WRONG_DATA) from None
        if self._chain is not None and self._chain[0] == reference:
            issuer = self._chain[1]
        else:
            ca = self.oce_ca.get(reference)
            if ca is None:
                self._chain = None
                raise _refuse(
                    f"no OCE CA key {reference[0]:02X}/{reference[1]:02X}", SW_REFERENCE_NOT_FOUND
                )
            issuer = ca
        try:
            verify_issued(certificate, issuer)
        except SecureChannelError:
            self._chain = self._oce_key = None
            raise
        public = certificate.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey):
            self._chain = None
            raise _refuse("OCE certificate key is not an EC key", SW_WRONG_DATA)
        if command.p2 & P2_MORE_CERTIFICATES:
            self._chain, self._oce_key = (reference, public), None
        else:
            allowed = self.allowlists.get(reference)
            if allowed is not None and certificate.serial_number not in allowed:
                self._chain = self._oce_key = None
                raise _refuse("OCE certificate not in the allowlist", SW_SECURITY_NOT_SATISFIED)
            # Amendment F 7.5: the last certificate's key is PK.OCE.ECKA for the handshake.
            self._chain, self._oce_key = None, (reference, public)
        return Response(b"", 0x9000)

    def authenticate(self, command: Command) -> tuple[Response, Scp11CardSession]:
        """MUTUAL AUTHENTICATE (11a/c) or INTERNAL AUTHENTICATE (11b), Amendment F 7.6.
        SecureChannelError with ``card_sw`` on failure; the OCE key is used once."""
        oce, self._oce_key = self._oce_key, None
        variant = Variant.of_kid(command.p2)
        if variant is None or command.ins != variant.instruction:
            raise _refuse(f"KID {command.p2:02X} is not an SCP11 key here", SW_WRONG_P1P2)
        sd_key = self.sd_keys.get((command.p2, command.p1))
        if sd_key is None:
            raise _refuse(f"no SCP11 key {command.p2:02X}/{command.p1:02X}", SW_REFERENCE_NOT_FOUND)
        try:
            agreement = messages.KeyAgreement.decode(command.data)
            host_ephemeral = crypto.decode_point(sd_key.curve, agreement.point)
        except DecodeError as exc:
            raise _refuse(f"bad key agreement data: {exc}", SW_WRONG_DATA) from None
        if agreement.parameter != variant.parameter or agreement.key_usage != KEY_USAGE_FULL:
            raise _refuse("i parameter or key usage not supported", SW_WRONG_DATA)
        if agreement.key_length not in (16, 24, 32):
            raise _refuse("session key length not supported", SW_WRONG_DATA)
        if variant.authenticates_oce:
            if oce is None:
                raise _refuse(
                    "no OCE certificate before MUTUAL AUTHENTICATE", SW_CONDITIONS_NOT_SATISFIED
                )
            host_static = oce[1]
            if host_static.curve.name != sd_key.curve.name:
                raise _refuse("OCE key on another curve", SW_WRONG_DATA)
        else:
            host_static = host_ephemeral  # Amendment F 3.1.1: SCP11b, ephemeral twice
        # Amendment F 2.3: SCP11c has no card ephemeral key, the static one stands in.
        card_ephemeral = sd_key if variant is Variant.C else self.ephemeral(sd_key.curve)
        secret = crypto.agree(card_ephemeral, host_ephemeral, sd_key, host_static)
        keys = crypto.derive_keys(secret, agreement.key_usage, agreement.key_length)
        point = crypto.encode_point(card_ephemeral.public_key())
        card_object = messages.tlv_point(point)
        receipt = crypto.receipt(keys, command.data + card_object)
        channel = open_channel(keys, self.mode, receipt)
        answer = messages.encode_answer(point, receipt)
        return Response(answer, 0x9000), Scp11CardSession(channel, variant, keys.dek)
