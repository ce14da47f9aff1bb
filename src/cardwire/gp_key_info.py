"""GET DATA 00E0, the key information template (GlobalPlatform Card Specification v2.3, GPC,
11.3.3.1 table 11-29): one C0 object per key, its identifier and version, then a key type and
length per key component. An SCP03 key is one AES component (88, 16); an SCP11 key (GP
Amendment F) is an ECC component, private (B1, the scalar's length) or public (B0, the
uncompressed point's length), then its curve's key parameter reference (F0, one byte).

GP cards wrap the C0 objects in the E0 template; YubiKeys answer them alone (what yubikit's
``SecurityDomainSession.get_key_information`` parses): :func:`parse_key_information` reads both.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.errors import DecodeError
from cardwire.tlv import parse, tlv

TAG_KEY_INFORMATION_TEMPLATE = 0xE0
TAG_KEY_INFORMATION = 0xC0
# GPC 11.1.8 table 11-16 (key type coding): AES, ECC public and private keys, and the ECC key
# parameter reference.
KEY_TYPE_AES = 0x88
KEY_TYPE_ECC_PUBLIC = 0xB0
KEY_TYPE_ECC_PRIVATE = 0xB1
KEY_TYPE_ECC_PARAMETERS = 0xF0
# The key parameter reference of each curve SCP11 uses (GPC v2.3 B.4.3, table B-2; the values
# yubikit's securitydomain.Curve sends).
CURVE_REFERENCES = {
    "P-256": 0x00,
    "P-384": 0x01,
    "P-521": 0x02,
    "brainpoolP256r1": 0x03,
    "brainpoolP384r1": 0x05,
    "brainpoolP512r1": 0x07,
}


@dataclass(frozen=True, slots=True)
class KeyInformation:
    """One C0 object: key id, key version, the first component's key type and length, and the
    other components' (``more``: an ECC key's F0 parameter reference)."""

    key_id: int
    kvn: int
    key_type: int
    length: int
    more: tuple[tuple[int, int], ...] = ()

    @property
    def components(self) -> tuple[tuple[int, int], ...]:
        return ((self.key_type, self.length), *self.more)

    def encode(self) -> bytes:
        flat = [byte for pair in self.components for byte in pair]
        return tlv(TAG_KEY_INFORMATION, bytes((self.key_id, self.kvn, *flat)))


def parse_key_information(data: bytes) -> tuple[KeyInformation, ...]:
    """The E0 template of GET DATA 00E0, or its C0 objects without it."""
    nodes = parse(data)
    if len(nodes) == 1 and nodes[0].tag == TAG_KEY_INFORMATION_TEMPLATE:
        nodes = nodes[0].children
    out = []
    for node in nodes:
        value = node.value
        if node.tag != TAG_KEY_INFORMATION or len(value) < 4 or len(value) % 2:
            raise DecodeError(f"unexpected object {node.tag:X} in the key information template")
        pairs = tuple(zip(value[2::2], value[3::2], strict=True))
        out.append(KeyInformation(value[0], value[1], *pairs[0], more=pairs[1:]))
    return tuple(out)
