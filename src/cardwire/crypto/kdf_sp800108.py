"""NIST SP 800-108 key derivation in counter mode with AES-CMAC as the PRF (``cryptography``).

SP 800-108 (rev. 1) section 4.1: ``K(i) = PRF(KI, [fixed data before] || [i]_r || [fixed data
after])`` for ``i = 1..n``, the output is the leftmost L bits of ``K(1) || K(2) || ...``. The
counter may sit before, after or in the middle of the fixed data; GlobalPlatform SCP03 puts it in
the middle with r = 8 bits (GP Card Specification v2.3 Amendment D, section 4.1.5):

    label (11 bytes 00 || derivation constant) || 00 (separation indicator)
    || L (2 bytes, in bits) || i (1 byte) || context

The PRF is AES-CMAC (NIST SP 800-38B) with its full 16-byte output. The derivation itself is
``cryptography``'s ``KBKDFCMAC`` with the counter in the middle of the fixed data
(``CounterLocation.MiddleFixed``, ``break_location`` = the length of the part before it); this
module only lays out the SCP03 fixed data and turns bad parameters into :class:`UsageError`.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.kdf.kbkdf import KBKDFCMAC, CounterLocation, Mode

from cardwire.crypto.cmac import AES_KEY_LENGTHS
from cardwire.errors import UsageError

PRF_OUTPUT_BYTES = 16  # AES-CMAC tag length (NIST SP 800-38B)
COUNTER_BYTES = 1  # SP 800-108 4.1 r = 8 bits, as GP Amendment D 4.1.5 encodes i
MAX_COUNTER_8_BITS = 0xFF  # SP 800-108 4.1: n <= 2^r - 1 with r = 8
SCP03_LABEL_ZEROS = bytes(11)  # GP Amendment D 4.1.5: 11 bytes 00 then the constant
SCP03_SEPARATOR = b"\x00"  # GP Amendment D 4.1.5: "separation indicator"


def kdf_counter_cmac(key: bytes, before: bytes, after: bytes, length: int) -> bytes:
    """``length`` bytes of SP 800-108 counter-mode output, 8-bit counter between ``before``
    and ``after`` (the CAVP "MIDDLE_FIXED", RLEN=8 layout), PRF AES-CMAC."""
    if len(key) not in AES_KEY_LENGTHS:
        raise UsageError(f"AES key must be 16, 24 or 32 bytes, got {len(key)}")
    if length <= 0:
        raise UsageError(f"the derived length must be positive, got {length}")
    blocks = -(-length // PRF_OUTPUT_BYTES)
    if blocks > MAX_COUNTER_8_BITS:
        raise UsageError(f"{length} bytes need {blocks} PRF calls; an 8-bit counter allows 255")
    kdf = KBKDFCMAC(
        algorithms.AES,
        Mode.CounterMode,
        length,
        COUNTER_BYTES,
        None,  # no L field of its own: L is part of the caller's fixed data
        CounterLocation.MiddleFixed,
        None,
        None,
        before + after,
        break_location=len(before),
    )
    return kdf.derive(key)


def scp03_kdf(key: bytes, constant: int, context: bytes, bits: int) -> bytes:
    """The SCP03 derivation of GP Amendment D 4.1.5: ``bits`` bits (a multiple of 8) derived
    from ``key`` with the one-byte derivation ``constant`` and ``context``."""
    if not 0 <= constant <= 0xFF:
        raise UsageError(f"the derivation constant is one byte, got {constant!r}")
    if bits <= 0 or bits % 8 or bits > 0xFFFF:
        raise UsageError(f"L must be a positive multiple of 8 below 65536 bits, got {bits}")
    # GP Amendment D 4.1.5: label || separator || L (2 bytes) before the counter, context after.
    before = b"".join(
        (SCP03_LABEL_ZEROS, constant.to_bytes(1, "big"), SCP03_SEPARATOR, bits.to_bytes(2, "big"))
    )
    return kdf_counter_cmac(key, before, context, bits // 8)
