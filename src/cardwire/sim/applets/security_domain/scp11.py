"""The Security Domain's SCP11 side (GP Card Spec v2.3 Amendment F): its profile section, the test
PKI generated from it, GET DATA BF21 (the certificate store), PERFORM SECURITY OPERATION and
MUTUAL / INTERNAL AUTHENTICATE through :class:`cardwire.sm.scp11.Scp11Card`.

The test PKI is deterministic: every key is derived from the profile's ``seed`` and the curve
(SHA-256 of the two and a role name, reduced into the curve's order), so a profile, its exported
state and a host script agree on the keys without storing private keys. One test CA signs the
SD's certificate (the KLCC chain GET DATA BF21 returns) and the OCE's (it is also the CA-KLOC
key the card checks PERFORM SECURITY OPERATION against). These are test keys: never personalise
a real card with them."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError, SecureChannelError
from cardwire.sim.applet import CardStatus
from cardwire.sim.applets.security_domain.scp11_keys import (
    TAG_CA_KLCC_IDENTIFIERS,
    TAG_CA_KLOC_IDENTIFIERS,
    Scp11KeyConfig,
    Scp11KeyStore,
    StoredKey,
    subject_key_identifier,
)
from cardwire.sim.config_loader import check
from cardwire.sm.scp03 import Mode
from cardwire.sm.scp11 import (
    CURVES,
    OCE_KID,
    TAG_CERTIFICATE_STORE,
    Scp11Card,
    Scp11CardSession,
    Variant,
    parse_key_reference,
)
from cardwire.sm.scp11.constants import (
    INS_INTERNAL_AUTHENTICATE,
    INS_MUTUAL_AUTHENTICATE,
    INS_PERFORM_SECURITY_OPERATION,
)
from cardwire.sw import SW

CurveName = Literal[
    "P-256", "P-384", "P-521", "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1"
]
DEFAULT_SEED = b"cardwire SCP11 test CA"
_VALID_FROM = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True, kw_only=True)
class Scp11Config:
    """The ``scp11`` part of the Security Domain's section: key version of the SD keys 11, 13
    and 15 (and of the OCE CA key, KID 10), curve, S16 mode and the seed of the test PKI."""

    kvn: int = field(default=0x01, metadata={"hex_bytes": 1})
    curve: CurveName = "P-256"
    s16: bool = False
    # Every private key of the test PKI derives from it: never in a repr (docs/reliability.md).
    seed: bytes = field(default=DEFAULT_SEED, repr=False)
    # The keys once PUT KEY or STORE DATA changed them (scp11_keys.py); None: the test PKI's.
    keys: tuple[Scp11KeyConfig, ...] | None = field(
        default=None, repr=False, metadata={"omit_default": True}
    )

    def __post_init__(self) -> None:
        check(self.curve in CURVES, "curve", "expected one of " + ", ".join(CURVES))
        check(bool(self.seed), "seed", "expected a non-empty seed")


def _derived_key(seed: bytes, curve: ec.EllipticCurve, role: str) -> ec.EllipticCurvePrivateKey:
    counter = 0
    while True:
        digest = hashlib.sha512(seed + curve.name.encode() + role.encode() + bytes((counter,)))
        value = int.from_bytes(digest.digest() * 2, "big") >> (1024 - curve.key_size)
        try:
            return ec.derive_private_key(value, curve)
        except ValueError:
            counter += 1


def _certificate(
    subject: str, key: ec.EllipticCurvePublicKey, signer: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cardwire SCP11 test CA")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(key)
        .serial_number(int.from_bytes(hashlib.sha256(subject.encode()).digest()[:8], "big"))
        .not_valid_before(_VALID_FROM)
        .not_valid_after(_VALID_FROM + datetime.timedelta(days=36500))
        # RFC 6979: deterministic ECDSA, so the certificates are the same bytes every time.
        .sign(signer, hashes.SHA256(), ecdsa_deterministic=True)
    )


@dataclass(frozen=True)
class Scp11TestPki:
    """The keys and certificates of one profile (see the module docstring)."""

    config: Scp11Config

    @property
    def curve(self) -> ec.EllipticCurve:
        return CURVES[self.config.curve]

    @cached_property
    def ca_key(self) -> ec.EllipticCurvePrivateKey:
        return _derived_key(self.config.seed, self.curve, "CA")

    @cached_property
    def sd_key(self) -> ec.EllipticCurvePrivateKey:
        return _derived_key(self.config.seed, self.curve, "SK.SD.ECKA")

    @cached_property
    def oce_key(self) -> ec.EllipticCurvePrivateKey:
        """SK.OCE.ECKA: what a host needs (with :attr:`oce_certificate`) for SCP11a/c."""
        return _derived_key(self.config.seed, self.curve, "SK.OCE.ECKA")

    @cached_property
    def ca_certificate(self) -> x509.Certificate:
        return _certificate("cardwire SCP11 test CA", self.ca_key.public_key(), self.ca_key)

    @cached_property
    def sd_certificate(self) -> x509.Certificate:
        return _certificate("cardwire SD (SCP11)", self.sd_key.public_key(), self.ca_key)

    @cached_property
    def oce_certificate(self) -> x509.Certificate:
        return _certificate("cardwire OCE (SCP11)", self.oce_key.public_key(), self.ca_key)

    def certificate_store(self) -> bytes:
        """GET DATA BF21: the chain, leaf last, as bare DER certificates (what YubiKeys send and
        yubikit reads; cardwire's host also takes them wrapped in BF21, as OpenSCP's cards)."""
        return b"".join(
            c.public_bytes(serialization.Encoding.DER)
            for c in (self.ca_certificate, self.sd_certificate)
        )


class Scp11Support:
    """SCP11 on the simulated Security Domain: the key store, one :class:`Scp11Card` per
    logical channel."""

    def __init__(self, config: Scp11Config) -> None:
        self.config = config
        self.pki = Scp11TestPki(config)
        self.kvn = config.kvn
        self.store = (
            self._pki_keys() if config.keys is None else Scp11KeyStore.from_configs(config.keys)
        )

    def _pki_keys(self) -> Scp11KeyStore:
        """The test PKI's keys: the SD key under KIDs 11, 13 and 15 with its chain, the CA as
        the OCE CA key (KID 10), all with the CA's key identifier as their issuer."""
        ski = subject_key_identifier(self.pki.ca_key.public_key())
        chain = self.pki.certificate_store()
        keys = {
            (variant.kid, self.kvn): StoredKey(self.pki.sd_key, chain, ski) for variant in Variant
        }
        keys[OCE_KID, self.kvn] = StoredKey(self.pki.ca_key.public_key(), ca_issuer=ski)
        return Scp11KeyStore(keys)

    def settings(self) -> Scp11Config:
        if not self.store.changed:
            return self.config
        return replace(self.config, keys=self.store.configs())

    def handles(self, command: Command) -> bool:
        """PERFORM SECURITY OPERATION, INTERNAL AUTHENTICATE, and MUTUAL AUTHENTICATE (INS 82
        as EXTERNAL AUTHENTICATE, told apart by P2: an SCP11 KID, where SCP03 has 00)."""
        if not command.cla & 0x80:
            return False
        if command.ins in (INS_PERFORM_SECURITY_OPERATION, INS_INTERNAL_AUTHENTICATE):
            return True
        return command.ins == INS_MUTUAL_AUTHENTICATE and Variant.of_kid(command.p2) is not None

    def _card(self, state: ChannelState) -> Scp11Card:
        if state.scp11 is None:
            state.scp11 = Scp11Card(
                self.store.sd_keys,
                self.store.oce_ca,
                mode=Mode.S16 if self.config.s16 else Mode.S8,
            )
        state.scp11.allowlists = self.store.allowlists()
        return state.scp11

    def process(
        self, state: ChannelState, command: Command
    ) -> tuple[Response, Scp11CardSession | None]:
        """One SCP11 handshake command on a channel whose session the caller has ended; the
        card session when the handshake is complete."""
        card = self._card(state)
        try:
            if command.ins == INS_PERFORM_SECURITY_OPERATION:
                return card.perform_security_operation(command), None
            return card.authenticate(command)
        except SecureChannelError as exc:
            raise CardStatus(exc.card_sw) from None

    def get_data(self, command: Command) -> Response | None:
        """GET DATA BF21 with A6 {83 KID KVN} (Amendment F 7.4.2), FF33 and FF34 (the CA
        identifiers, scp11_keys.py); None for another tag."""
        tag = command.p1 << 8 | command.p2
        if tag in (TAG_CA_KLOC_IDENTIFIERS, TAG_CA_KLCC_IDENTIFIERS):
            return Response(self.store.ca_identifiers(tag))
        if tag != TAG_CERTIFICATE_STORE:
            return None
        try:
            kid, kvn = parse_key_reference(command.data)
        except DecodeError:
            raise CardStatus(SW.INCORRECT_DATA) from None
        return Response(self.store.certificates(kid, kvn))


class ChannelState(Protocol):
    """What SCP11 keeps in the Security Domain's per-channel state."""

    scp11: Scp11Card | None
