"""ISO/IEC 9797-1 padding method 2: append 0x80, then zeros up to the block boundary."""

from __future__ import annotations

from cardwire.errors import DecodeError, UsageError

# The bytes method 2 appends, by block size and by how many bytes of the last block are used.
_TAILS = {size: tuple(b"\x80" + bytes(size - 1 - used) for used in range(size)) for size in (8, 16)}


def pad(data: bytes, block_size: int) -> bytes:
    """ISO/IEC 9797-1:2011 6.3.3 padding method 2: always adds 1 to ``block_size`` bytes."""
    tails = _TAILS.get(block_size)
    if tails is None:
        raise UsageError(f"block size must be 8 or 16, got {block_size}")
    return data + tails[len(data) % block_size]


def unpad(data: bytes, block_size: int) -> bytes:
    """Strictly remove ISO/IEC 9797-1 method 2 padding.

    The input must be a non-empty whole number of blocks; the padding (one 0x80 followed by
    zeros) must lie inside the last block. Anything else raises :class:`DecodeError`.
    """
    size = len(data)
    if size == 0 or size % block_size:
        raise DecodeError(f"padded data must be whole {block_size}-byte blocks, got {size} bytes")
    stripped = data.rstrip(b"\x00")
    marker = len(stripped) - 1
    if marker < size - block_size or stripped[-1:] != b"\x80":
        raise DecodeError("bad ISO 9797-1 method 2 padding", max(marker, 0))
    return stripped[:-1]
