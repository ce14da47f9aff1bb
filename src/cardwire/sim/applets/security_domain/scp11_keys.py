"""The Security Domain's SCP11 key store (GP Card Spec v2.3 Amendment F): the SD's private keys
(KID 11, 13, 15: SK.SD.ECKA), the OCE CA public keys that PERFORM SECURITY OPERATION checks
chains against (KID 10, 20-2F: PK.CA-KLOC.ECDSA), and what STORE DATA attaches to a key: its
certificate chain (GET DATA BF21), its CA issuer's subject key identifier (GET DATA FF33 and
FF34) and an allowlist of OCE certificate serial numbers.

Commands, in the layouts yubikit's ``SecurityDomainSession`` sends (``put_key``,
``store_ca_issuer``, ``store_certificate_bundle``, ``store_allowlist``):

- PUT KEY of one ECC key (GPC 11.8.2.2: P1 the version to replace or 00, P2 the KID): KVN,
  then B1 (the private scalar, AES-CBC under the session's DEK, zero ICV) or B0 (the public
  point), then F0 (the curve's key parameter reference), then 00 (no key check value); the
  answer is the KVN (GPC 11.8.3.1; ECC keys have no KCV).
- STORE DATA (GPC 11.11) of BER-TLV objects led by A6 {83 KID KVN}: A6 {80 KLOC/KLCC, 42 SKI,
  83 KID KVN}; A6 {83} + BF21 {DER certificates, leaf last}; A6 {83} + 70 {93 serial ...}.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cardwire.apdu import Command, Response
from cardwire.crypto.block import AES_BLOCK, Aes
from cardwire.errors import DecodeError
from cardwire.gp import delete_key_target
from cardwire.gp_key_info import (
    CURVE_REFERENCES,
    KEY_TYPE_ECC_PARAMETERS,
    KEY_TYPE_ECC_PRIVATE,
    KEY_TYPE_ECC_PUBLIC,
    KeyInformation,
)
from cardwire.sim.applet import CardStatus
from cardwire.sm.scp11 import CURVES, OCE_KID, TAG_CERTIFICATE_STORE, Variant
from cardwire.sm.scp11.crypto import curve_name
from cardwire.sm.scp11.messages import parse_certificates
from cardwire.sw import SW
from cardwire.tlv import Tlv, parse, tlv

TAG_CA_KLOC_IDENTIFIERS = 0xFF33  # GET DATA: the OCE CAs' key identifiers (KLOC)
TAG_CA_KLCC_IDENTIFIERS = 0xFF34  # GET DATA: the card certificates' CA key identifiers (KLCC)
_TAG_CONTROL_REFERENCE, _TAG_KEY_REFERENCE = 0xA6, 0x83
_TAG_KEY_KIND, _TAG_SKI = 0x80, 0x42
_TAG_ALLOWLIST, _TAG_SERIAL = 0x70, 0x93
SD_KIDS = frozenset(v.kid for v in Variant)  # Amendment F 5.1: 11, 13, 15
# Amendment F: the OCE (CA-KLOC) key identifiers; yubikit's reset names 10 and 20-2F.
OCE_KIDS = frozenset((OCE_KID, *range(0x20, 0x30)))
_MAX_KEYS = 16
_MAX_STORED = 4096  # bytes of certificates or allowlist per key
_REFERENCE_CURVES = {ref: name for name, ref in CURVE_REFERENCES.items()}
# PUT KEY of one ECC key: the private (B1) or public (B0) component, then F0 (the curve).
_LAYOUTS = frozenset(
    (
        (KEY_TYPE_ECC_PRIVATE, KEY_TYPE_ECC_PARAMETERS),
        (KEY_TYPE_ECC_PUBLIC, KEY_TYPE_ECC_PARAMETERS),
    )
)
SW_ALGORITHM_NOT_SUPPORTED = 0x9484  # GPC 11.8.3.2 table 11-76 (settings.py imports this module)


@dataclass(frozen=True, kw_only=True)
class Scp11KeyConfig:
    """One SCP11 key in the profile or the saved state: KID, KVN, curve, the private scalar (SD
    keys) or public point (OCE CA keys), and what STORE DATA attached to it."""

    kid: int = field(metadata={"hex_bytes": 1})
    kvn: int = field(metadata={"hex_bytes": 1})
    curve: str = "P-256"
    private: bytes = field(default=b"", repr=False, metadata={"omit_default": True})
    public: bytes = field(default=b"", metadata={"omit_default": True})
    certificates: bytes = field(default=b"", metadata={"omit_default": True})
    ca_issuer: bytes = field(default=b"", metadata={"omit_default": True})
    allowlist: bytes = field(default=b"", metadata={"omit_default": True})


@dataclass(eq=False, repr=False)
class StoredKey:
    """A key of the store and what is attached to it (the repr names the kind of key only)."""

    key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey
    certificates: bytes = b""
    ca_issuer: bytes = b""
    allowlist: bytes = b""

    @property
    def public(self) -> ec.EllipticCurvePublicKey:
        key = self.key
        return key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key

    def __repr__(self) -> str:
        kind = "private" if isinstance(self.key, ec.EllipticCurvePrivateKey) else "public"
        return f"StoredKey({curve_name(self.key.curve)} {kind}, <hidden>)"

    def serials(self) -> frozenset[int]:
        return frozenset(int.from_bytes(node.value, "big") for node in parse(self.allowlist))


def _size(curve: ec.EllipticCurve) -> int:
    return (curve.key_size + 7) // 8


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _refuse(sw: int = SW.INCORRECT_DATA) -> CardStatus:
    return CardStatus(sw)


class Scp11KeyStore:
    """The keys, by (KID, KVN). ``sd_keys`` and ``oce_ca`` are the live views
    :class:`cardwire.sm.scp11.Scp11Card` reads; ``changed`` is set by every change."""

    def __init__(self, keys: dict[tuple[int, int], StoredKey]) -> None:
        self.keys = keys
        self.sd_keys: dict[tuple[int, int], ec.EllipticCurvePrivateKey] = {}
        self.oce_ca: dict[tuple[int, int], ec.EllipticCurvePublicKey] = {}
        self.changed = False
        self._refresh()

    @classmethod
    def from_configs(cls, configs: tuple[Scp11KeyConfig, ...]) -> Scp11KeyStore:
        keys = {}
        for c in configs:
            curve = CURVES[c.curve]
            key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey = (
                ec.derive_private_key(int.from_bytes(c.private, "big"), curve)
                if c.private
                else ec.EllipticCurvePublicKey.from_encoded_point(curve, c.public)
            )
            keys[c.kid, c.kvn] = StoredKey(key, c.certificates, c.ca_issuer, c.allowlist)
        return cls(keys)

    def configs(self) -> tuple[Scp11KeyConfig, ...]:
        out = []
        for (kid, kvn), stored in sorted(self.keys.items()):
            key = stored.key
            private = public = b""
            if isinstance(key, ec.EllipticCurvePrivateKey):
                private = key.private_numbers().private_value.to_bytes(_size(key.curve), "big")
            else:
                public = _point(key)
            out.append(
                Scp11KeyConfig(
                    kid=kid,
                    kvn=kvn,
                    curve=curve_name(key.curve),
                    private=private,
                    public=public,
                    certificates=stored.certificates,
                    ca_issuer=stored.ca_issuer,
                    allowlist=stored.allowlist,
                )
            )
        return tuple(out)

    def _refresh(self) -> None:
        self.sd_keys.clear()
        self.oce_ca.clear()
        for ref, stored in self.keys.items():
            if isinstance(stored.key, ec.EllipticCurvePrivateKey):
                self.sd_keys[ref] = stored.key
            else:
                self.oce_ca[ref] = stored.key

    def allowlists(self) -> dict[tuple[int, int], frozenset[int]]:
        """OCE key reference -> the serial numbers its chain's leaf may have (set ones only)."""
        return {ref: s.serials() for ref, s in self.keys.items() if s.allowlist}

    # --- GET DATA ------------------------------------------------------------------------------

    def certificates(self, kid: int, kvn: int) -> bytes:
        """GET DATA BF21 (Amendment F 7.4.2): the chain stored for the key; 6A88 if none."""
        stored = self.keys.get((kid, kvn))
        if stored is None or not stored.certificates:
            raise _refuse(SW.REFERENCED_DATA_NOT_FOUND)
        return stored.certificates

    def ca_identifiers(self, tag: int) -> bytes:
        """GET DATA FF33 (KLOC: the OCE CA keys) or FF34 (KLCC: the SD keys): 42 SKI, 83 KID
        KVN per key with a stored CA issuer; 6A88 when there is none."""
        kids = OCE_KIDS if tag == TAG_CA_KLOC_IDENTIFIERS else SD_KIDS
        out = b"".join(
            tlv(_TAG_SKI, s.ca_issuer) + tlv(_TAG_KEY_REFERENCE, bytes(ref))
            for ref, s in sorted(self.keys.items())
            if ref[0] in kids and s.ca_issuer
        )
        if not out:
            raise _refuse(SW.REFERENCED_DATA_NOT_FOUND)
        return out

    def key_information(self) -> list[KeyInformation]:
        """The C0 objects of GET DATA 00E0 (GPC 11.3.3.1): an ECC key is its private (B1) or
        public (B0) component with its length, then F0, the one-byte curve reference."""
        out = []
        for (kid, kvn), stored in sorted(self.keys.items()):
            key = stored.key
            if isinstance(key, ec.EllipticCurvePrivateKey):
                component = (KEY_TYPE_ECC_PRIVATE, _size(key.curve))
            else:
                component = (KEY_TYPE_ECC_PUBLIC, len(_point(key)))
            out.append(KeyInformation(kid, kvn, *component, more=((KEY_TYPE_ECC_PARAMETERS, 1),)))
        return out

    # --- PUT KEY ---------------------------------------------------------------------------------

    def put_key(self, command: Command, dek: bytes) -> Response:
        """PUT KEY of one ECC key (see the module docstring); the caller checked the session."""
        kid, replace = command.p2, command.p1
        data = command.data
        # GPC 11.8.2.3: KVN, key type, length, key data, KCV length (00: no KCV for ECC keys).
        if len(data) < 3 or data[-1] != 0x00:
            raise _refuse()
        kvn = data[0]
        try:
            nodes = parse(data[1:-1])
        except DecodeError:
            raise _refuse() from None
        if tuple(n.tag for n in nodes) not in _LAYOUTS:
            raise _refuse()
        reference = nodes[1].value
        name = _REFERENCE_CURVES.get(reference[0]) if len(reference) == 1 else None
        if name is None:
            raise _refuse(SW_ALGORITHM_NOT_SUPPORTED)
        curve = CURVES[name]
        key = self._decode_key(kid, nodes[0], curve, dek)
        if not 1 <= kvn <= 0x7F:  # GPC 11.1.8: key versions 01-7F
            raise _refuse()
        if replace and (kid, replace) not in self.keys:  # GPC 11.8.2.1: P1 = version replaced
            raise _refuse(SW.REFERENCED_DATA_NOT_FOUND)
        if (kid, kvn) in self.keys and kvn != replace:
            raise _refuse()
        if not replace and len(self.keys) >= _MAX_KEYS:
            raise _refuse(SW.NOT_ENOUGH_MEMORY)
        self.keys.pop((kid, replace), None)
        self.keys[kid, kvn] = StoredKey(key)
        self._refresh()
        self.changed = True
        return Response(bytes((kvn,)))

    @staticmethod
    def _decode_key(
        kid: int, node: Tlv, curve: ec.EllipticCurve, dek: bytes
    ) -> ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey:
        if node.tag == KEY_TYPE_ECC_PRIVATE:
            # Amendment F 5.1: SK.SD.ECKA belongs to KID 11, 13 or 15; the scalar is encrypted
            # under the DEK as an AES key is (GPC 11.8.2.3, Amendment D 7.2: CBC, zero ICV).
            if kid not in SD_KIDS or not node.value or len(node.value) % AES_BLOCK:
                raise _refuse()
            scalar = Aes(dek).decrypt_cbc(bytes(AES_BLOCK), node.value)
            if len(scalar) != _size(curve):
                raise _refuse()
            try:
                return ec.derive_private_key(int.from_bytes(scalar, "big"), curve)
            except ValueError:
                raise _refuse() from None
        if kid not in OCE_KIDS:  # a public key is a CA-KLOC key (KID 10, 20-2F)
            raise _refuse()
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(curve, node.value)
        except ValueError:
            raise _refuse() from None

    def delete(self, data: bytes) -> bool:
        """DELETE [key] (GPC 11.2.2.3.2) naming an SCP11 KID in D0 (and a KVN in D2, or every
        version): True once done, False for a field naming no SCP11 KID; 6A88 if no such key."""
        try:
            kid, kvn = delete_key_target(data)
        except DecodeError:
            return False
        if kid not in SD_KIDS | OCE_KIDS:
            return False
        gone = [ref for ref in self.keys if ref[0] == kid and kvn in (None, ref[1])]
        if not gone:
            raise _refuse(SW.REFERENCED_DATA_NOT_FOUND)  # GPC 11.2.3.2 table 11-21
        for ref in gone:
            del self.keys[ref]
        self._refresh()
        self.changed = True
        return True

    # --- STORE DATA ------------------------------------------------------------------------------

    def store_data(self, nodes: tuple[Tlv, ...]) -> None:
        """STORE DATA objects led by A6 (see the module docstring); CardStatus on anything else."""
        first = nodes[0]
        fields = {child.tag: child.value for child in first.children}
        ref = fields.get(_TAG_KEY_REFERENCE, b"")
        if len(ref) != 2:
            raise _refuse()
        stored = self.keys.get((ref[0], ref[1]))
        if stored is None:
            raise _refuse(SW.REFERENCED_DATA_NOT_FOUND)
        if len(nodes) == 1 and _TAG_SKI in fields:
            stored.ca_issuer = fields[_TAG_SKI]
        elif len(nodes) == 2 and nodes[1].tag == TAG_CERTIFICATE_STORE:
            try:
                chain = parse_certificates(nodes[1].value)
            except DecodeError:
                raise _refuse() from None
            leaf = chain[-1].public_key() if chain else stored.public
            if not isinstance(leaf, ec.EllipticCurvePublicKey) or not hmac.compare_digest(
                _point(leaf), _point(stored.public)
            ):
                raise _refuse()  # the leaf certifies another key
            stored.certificates = self._bounded(nodes[1].value)
        elif len(nodes) == 2 and nodes[1].tag == _TAG_ALLOWLIST:
            if any(child.tag != _TAG_SERIAL for child in nodes[1].children):
                raise _refuse()
            stored.allowlist = self._bounded(nodes[1].value)
        else:
            raise _refuse()
        self.changed = True

    @staticmethod
    def _bounded(value: bytes) -> bytes:
        if len(value) > _MAX_STORED:
            raise _refuse(SW.NOT_ENOUGH_MEMORY)
        return value


def subject_key_identifier(key: ec.EllipticCurvePublicKey) -> bytes:
    """RFC 5280 4.2.1.2 method 1 (SHA-1 of the public key), what a CA certificate carries."""
    return x509.SubjectKeyIdentifier.from_public_key(key).digest
