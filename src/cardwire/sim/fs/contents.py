"""File contents in a profile: ``{text|hex|pattern}`` mappings to bytes and back."""

from __future__ import annotations

from collections.abc import Mapping

from cardwire.errors import UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sim.fs.model import ERASED_BYTE


def decode_content(spec: object, size: int | None, where: str) -> bytes:
    """Bytes from a profile content mapping: ``{"text": str}`` (UTF-8), ``{"hex": str}`` or
    ``{"pattern": {"modulus": m}}`` (byte i = i mod m, needs ``size``). Shorter contents are
    padded to ``size`` with the erased byte."""
    if spec is None:
        data = b""
    elif not isinstance(spec, Mapping) or len(spec) != 1:
        raise UsageError(f"{where}: content must be one of {{text|hex|pattern}}")
    elif "text" in spec:
        data = str(spec["text"]).encode()
    elif "hex" in spec:
        data = parse_hex(str(spec["hex"]))
    elif "pattern" in spec:
        pattern = spec["pattern"]
        modulus = pattern.get("modulus") if isinstance(pattern, Mapping) else None
        if not isinstance(modulus, int) or not 1 <= modulus <= 256 or size is None:
            raise UsageError(f"{where}: a pattern needs a modulus 1-256 and the file size")
        data = bytes(i % modulus for i in range(size))
    else:
        raise UsageError(f"{where}: unknown content form {next(iter(spec))!r}")
    if size is not None:
        if len(data) > size:
            raise UsageError(f"{where}: content of {len(data)} bytes exceeds size {size}")
        data += bytes([ERASED_BYTE]) * (size - len(data))
    return data


def encode_content(data: bytes) -> dict[str, str]:
    """The profile form of ``data``: text when it is printable ASCII, else hex."""
    if data and all(0x20 <= b < 0x7F for b in data):
        return {"text": data.decode("ascii")}
    return {"hex": to_hex(data)}
