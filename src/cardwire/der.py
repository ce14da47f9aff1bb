"""Decoding one DER value with pyasn1 into :class:`cardwire.errors.DecodeError`.

X.690 10 (DER): a value is exactly one TLV, so bytes after it are an error, as is anything
pyasn1 refuses. The ICAO structures (EF.SOD, DG14, the master list, EF.CardAccess) and the
public keys they carry all decode through :func:`decode_der`.
"""

from __future__ import annotations

from typing import Any

from pyasn1.codec.der import decoder  # type: ignore[import-untyped]
from pyasn1.error import PyAsn1Error  # type: ignore[import-untyped]

from cardwire.errors import DecodeError


def decode_der(der: bytes, spec: object, what: str) -> Any:
    """The pyasn1 value of ``der`` decoded as ``spec``; ``what`` names it in the error."""
    try:
        value, rest = decoder.decode(der, asn1Spec=spec)
    except (PyAsn1Error, ValueError, TypeError, IndexError) as exc:
        raise DecodeError(f"{what}: {exc}") from exc
    if rest:
        raise DecodeError(f"{what}: trailing bytes", len(der) - len(rest))
    return value


__all__ = ["decode_der"]
