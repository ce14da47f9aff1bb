"""A random source that hands out fixed values, so a handshake reproduces a published worked
example (the nonces of ICAO Doc 9303-11 Appendix D, say) byte for byte."""

from __future__ import annotations

from collections.abc import Callable, Iterator


def scripted_rng(*chunks: str) -> Callable[[int], bytes]:
    """``rng(n)`` returning the hex ``chunks`` in turn; each call must ask for the next one's
    exact length."""
    values: Iterator[bytes] = iter(bytes.fromhex(c) for c in chunks)

    def rng(n: int) -> bytes:
        value = next(values)
        assert len(value) == n
        return value

    return rng
