"""The profile mapping form of a file tree and its file contents.

- The profile mapping form of a file tree (fids and names as hex strings, contents as
  ``{text|hex|pattern}``): read by :func:`build_tree`, written back by :func:`tree_to_config`,
  so that an exported state is a loadable profile section.
- File contents in a profile: ``{text|hex|pattern}`` mappings to bytes and back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cardwire.errors import UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sim.access import FileAccess
from cardwire.sim.fs._model import (
    ERASED_BYTE,
    MAX_DF_NAME,
    MAX_RECORD_NUMBER,
    MAX_RECORD_SIZE,
    MAX_SFI,
    MF_FID,
    RESERVED_FIDS,
    DedicatedFile,
    ElementaryFile,
    Structure,
)


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


def _fid(value: object, where: str) -> int:
    raw = parse_hex(str(value))
    if len(raw) != 2:
        raise UsageError(f"{where}: a file identifier is 2 bytes, got {value!r}")
    return int.from_bytes(raw, "big")


def _int(value: object, where: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise UsageError(f"{where}: expected a number {low}-{high}, got {value!r}")
    return value


_STRUCTURES = {s.value: s for s in Structure}


def build_tree(config: Mapping[str, Any]) -> DedicatedFile:
    """The MF and everything below it from a profile mapping (see docs/simulator.md)."""
    if not isinstance(config, Mapping):
        raise UsageError("the file system's 'mf' must be a mapping")
    fid = _fid(config.get("fid", "3F00"), "mf")
    if fid != MF_FID:
        raise UsageError(f"the MF's file identifier is 3F00, got {fid:04X}")
    mf = DedicatedFile(MF_FID, _df_name(config, "mf"), str(config.get("label", "")))
    _add_children(mf, config.get("files", []), "mf")
    names = [df.name for df in mf.walk() if df.name is not None]
    if len(names) != len(set(names)):
        raise UsageError("DF names must be unique on the card")
    return mf


def _df_name(config: Mapping[str, Any], where: str) -> bytes | None:
    if config.get("name") is None:
        return None
    name = parse_hex(str(config["name"]))
    if not 1 <= len(name) <= MAX_DF_NAME:
        raise UsageError(f"{where}: a DF name is 1-16 bytes")
    return name


def _add_children(df: DedicatedFile, files: object, where: str) -> None:
    if not isinstance(files, Sequence) or isinstance(files, str | bytes):
        raise UsageError(f"{where}: 'files' must be a list")
    for entry in files:
        if not isinstance(entry, Mapping):
            raise UsageError(f"{where}: each file must be a mapping")
        fid = _fid(entry.get("fid"), where)
        here = f"{where}/{fid:04X}"
        if fid in RESERVED_FIDS or fid == MF_FID:
            raise UsageError(f"{here}: file identifier {fid:04X} is reserved")
        if df.child(fid) is not None:
            raise UsageError(f"{here}: duplicate file identifier under one DF")
        kind = str(entry.get("type", ""))
        if kind == "df":
            child = DedicatedFile(fid, _df_name(entry, here), str(entry.get("label", "")), df)
            df.children.append(child)
            _add_children(child, entry.get("files", []), here)
        elif kind in _STRUCTURES:
            ef = _build_ef(df, fid, _STRUCTURES[kind], entry, here)
            if ef.sfi is not None and df.ef_by_sfi(ef.sfi) is not None:
                raise UsageError(f"{here}: duplicate SFI {ef.sfi} under one DF")
            df.children.append(ef)
        else:
            raise UsageError(f"{here}: unknown file type {kind!r}")


def _build_ef(
    df: DedicatedFile, fid: int, structure: Structure, entry: Mapping[str, Any], where: str
) -> ElementaryFile:
    sfi = entry.get("sfi")
    access = FileAccess.from_config(entry.get("access"))
    label = str(entry.get("label", ""))
    common: dict[str, Any] = {
        "access": access,
        "sfi": None if sfi is None else _int(sfi, f"{where} sfi", 1, MAX_SFI),
        "label": label,
    }
    if structure is Structure.TRANSPARENT:
        size = entry.get("size")
        size = None if size is None else _int(size, f"{where} size", 0, 0xFFFF)
        content = entry.get("content")
        modulus = None
        if isinstance(content, Mapping) and isinstance(content.get("pattern"), Mapping):
            modulus = content["pattern"].get("modulus")
        data = decode_content(content, size, where)
        return ElementaryFile(fid, structure, df, data=data, pattern_modulus=modulus, **common)
    record_size = entry.get("record_size")
    if structure is Structure.LINEAR_VARIABLE:
        record_size = None
    else:
        record_size = _int(record_size, f"{where} record_size", 1, MAX_RECORD_SIZE)
    max_records = _int(
        entry.get("max_records", MAX_RECORD_NUMBER), f"{where} max_records", 1, MAX_RECORD_NUMBER
    )
    raw_records = entry.get("records", [])
    if not isinstance(raw_records, Sequence) or isinstance(raw_records, str | bytes):
        raise UsageError(f"{where}: 'records' must be a list")
    records = [
        decode_content(r, record_size, f"{where} record {i + 1}") for i, r in enumerate(raw_records)
    ]
    if len(records) > max_records:
        raise UsageError(f"{where}: more records than max_records")
    if any(not 1 <= len(r) <= MAX_RECORD_SIZE for r in records):
        raise UsageError(f"{where}: a record is 1-255 bytes")
    return ElementaryFile(
        fid,
        structure,
        df,
        records=records,
        record_size=record_size,
        max_records=max_records,
        **common,
    )


def tree_to_config(mf: DedicatedFile) -> dict[str, Any]:
    """The profile mapping of the tree with its current contents (inverse of build_tree)."""
    return _df_to_config(mf)


def _df_to_config(df: DedicatedFile) -> dict[str, Any]:
    out: dict[str, Any] = {"fid": f"{df.fid:04X}"}
    if df.parent is not None:
        out["type"] = "df"
    if df.name is not None:
        out["name"] = to_hex(df.name)
    if df.label:
        out["label"] = df.label
    out["files"] = [
        _df_to_config(c) if isinstance(c, DedicatedFile) else _ef_to_config(c) for c in df.children
    ]
    return out


def _ef_to_config(ef: ElementaryFile) -> dict[str, Any]:
    out: dict[str, Any] = {"fid": f"{ef.fid:04X}", "type": ef.structure.value}
    if ef.label:
        out["label"] = ef.label
    if ef.sfi is not None:
        out["sfi"] = ef.sfi
    if ef.structure is Structure.TRANSPARENT:
        data = bytes(ef.data)
        out["size"] = len(data)
        modulus = ef.pattern_modulus
        if modulus is not None and data == bytes(i % modulus for i in range(len(data))):
            out["content"] = {"pattern": {"modulus": modulus}}
        elif data.rstrip(bytes([ERASED_BYTE])):
            out["content"] = encode_content(data.rstrip(bytes([ERASED_BYTE])))
    else:
        if ef.record_size is not None:
            out["record_size"] = ef.record_size
        out["max_records"] = ef.max_records
        out["records"] = [encode_content(r) for r in ef.records]
    out["access"] = ef.access.to_config()
    return out


__all__ = [
    "build_tree",
    "decode_content",
    "encode_content",
    "tree_to_config",
]
