"""SCP11 constants (GlobalPlatform Card Specification v2.3 Amendment F, SCP11, v1.4).

Key identifiers and "i" parameters (Amendment F 5.1, 7.1.1), the commands of the handshake
(7.5 PERFORM SECURITY OPERATION, 7.6 MUTUAL / INTERNAL AUTHENTICATE), the tags of the key
agreement (7.6.2.3) and the session parameters negotiated there.
"""

from __future__ import annotations

from enum import StrEnum

INS_PERFORM_SECURITY_OPERATION = 0x2A  # Amendment F 7.5: OCE certificate, one per command
INS_MUTUAL_AUTHENTICATE = 0x82  # Amendment F 7.6: SCP11a and SCP11c
INS_INTERNAL_AUTHENTICATE = 0x88  # Amendment F 7.6: SCP11b
TAG_CERTIFICATE_STORE = 0xBF21  # Amendment F 7.4.2: GET DATA of the SD's certificates
TAG_CONTROL_REFERENCE = 0xA6  # Amendment F 7.6.2.3: control reference template (key agreement)
TAG_SCP_PARAMETERS = 0x90  # '11' and the "i" parameter
TAG_KEY_USAGE = 0x95
TAG_KEY_TYPE = 0x80
TAG_KEY_LENGTH = 0x81
TAG_KEY_REFERENCE = 0x83  # Amendment F 7.4.2: KID and KVN in GET DATA BF21
TAG_EPHEMERAL_KEY = 0x5F49  # an uncompressed point (X9.62)
TAG_RECEIPT = 0x86
SCP11_ID = 0x11
KEY_TYPE_AES = 0x88  # GP Card Spec table 11-16
# Amendment F 7.6.2.3 table 7-7: C-MAC, C-DECRYPTION, R-MAC, R-ENCRYPTION after the
# handshake (SCP03 level 33); the value yubikit and OpenSCP send, the only one tested.
KEY_USAGE_FULL = 0x3C
P2_MORE_CERTIFICATES = 0x80  # Amendment F 7.5.2: b8 of P2 set while more certificates follow
RECEIPT_LENGTH = 16
SESSION_KEY_COUNT = 5  # Amendment F 3.1.2: receipt key, S-ENC, S-MAC, S-RMAC, S-DEK
OCE_KID = 0x10  # the OCE's key identifier in OpenSCP's tests and yubikit's examples


class Variant(StrEnum):
    """The three SCP11 variants (Amendment F 2.3)."""

    A = "11a"  # mutual authentication, OCE certificate chain, card ephemeral key
    B = "11b"  # the card authenticates only (no OCE key)
    C = "11c"  # like 11a, the card's static key stands in for its ephemeral (scripts)

    @property
    def kid(self) -> int:
        """The key identifier of the SD key (Amendment F 5.1: 11, 13, 15)."""
        return _KIDS[self]

    @property
    def parameter(self) -> int:
        """The "i" parameter sent in tag 90 (Amendment F 7.1.1: 01, 00, 03)."""
        return _PARAMETERS[self]

    @property
    def instruction(self) -> int:
        return INS_INTERNAL_AUTHENTICATE if self is Variant.B else INS_MUTUAL_AUTHENTICATE

    @property
    def authenticates_oce(self) -> bool:
        return self is not Variant.B

    @classmethod
    def of_kid(cls, kid: int) -> Variant | None:
        return next((v for v in cls if v.kid == kid), None)


_KIDS = {Variant.A: 0x11, Variant.B: 0x13, Variant.C: 0x15}
_PARAMETERS = {Variant.A: 0x01, Variant.B: 0x00, Variant.C: 0x03}
