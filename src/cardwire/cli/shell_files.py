"""What the shell knows about the card's files: FCP/FCI decoded, where each channel is, and
the files seen so far (for ``ls``, the prompt and completion).

The FCP objects are those of ISO/IEC 7816-4:2020 7.4 (file control parameters); the compact
security attributes (tag 8C) are read as 7.4.3 describes (access-mode byte, then one
security-condition byte per bit set, from b7 down to b1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cardwire import tlv
from cardwire.errors import CardwireError
from cardwire.hexutil import to_hex

MF = "3F00"  # ISO/IEC 7816-4:2020 7.2.2: the MF's file identifier

# ISO/IEC 7816-4:2020 7.4.5, file descriptor byte b3-b1 (EF structure).
_STRUCTURES = {
    1: "transparent",
    2: "linear fixed",
    3: "linear fixed (TLV)",
    4: "linear variable",
    5: "linear variable (TLV)",
    6: "cyclic",
    7: "cyclic (TLV)",
}
# ISO/IEC 7816-4:2020 7.4.10, life cycle status byte.
_LIFE_CYCLE = {
    0x01: "creation",
    0x03: "initialisation",
    0x05: "operational (activated)",
    0x07: "operational (activated)",
    0x04: "operational (deactivated)",
    0x06: "operational (deactivated)",
}
# ISO/IEC 7816-4:2020 7.4.3, access-mode byte for EFs, b7 down to b1.
_EF_MODES = ("delete", "terminate", "activate", "deactivate", "append", "update", "read")
_DF_MODES = (
    "delete self",
    "terminate",
    "activate",
    "deactivate",
    "create DF",
    "create EF",
    "delete child",
)


def _condition(byte: int) -> str:
    """A security-condition byte (ISO/IEC 7816-4:2020 7.4.3, table on SC bytes)."""
    if byte == 0x00:
        return "always"
    if byte == 0xFF:
        return "never"
    needs = [
        name
        for bit, name in ((0x40, "secure messaging"), (0x20, "external auth"), (0x10, "PIN"))
        if byte & bit
    ]
    if byte & 0x0F:
        needs.append(f"SE {byte & 0x0F}")
    return (" and " if byte & 0x80 else " or ").join(needs) or f"{byte:02X}"


@dataclass(frozen=True)
class FileInfo:
    """A file as its FCP or FCI describes it (None: not given)."""

    fid: str | None = None
    is_df: bool | None = None
    structure: str | None = None
    size: int | None = None
    record_size: int | None = None
    records: int | None = None
    name: str | None = None
    sfi: int | None = None
    life_cycle: str | None = None
    access: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, data: bytes) -> FileInfo | None:
        """The FCP (62), FCI (6F) or FMD (64) template in ``data``, or None if it is not one."""
        try:
            nodes = tlv.parse(data, strict=False)
        except CardwireError:
            return None
        if len(nodes) != 1 or nodes[0].tag not in (0x62, 0x64, 0x6F):
            return None
        try:
            values = {child.tag: child.value for child in nodes[0].children}
        except CardwireError:
            return None
        fields: dict[str, object] = {}
        if 0x83 in values:
            fields["fid"] = to_hex(values[0x83])
        if 0x84 in values:
            fields["name"] = to_hex(values[0x84])
        size = values.get(0x80) or values.get(0x81)
        if size:
            fields["size"] = int.from_bytes(size, "big")
        descriptor = values.get(0x82, b"")
        if descriptor:
            fields.update(_descriptor(descriptor))
        if values.get(0x88):
            fields["sfi"] = values[0x88][0] >> 3  # 7.4.8: the SFI is in b8-b4
        if values.get(0x8A):
            lcs = values[0x8A][0]
            fields["life_cycle"] = _LIFE_CYCLE.get(
                lcs, "terminated" if lcs & 0xFC == 0x0C else f"{lcs:02X}"
            )
        if values.get(0x8C):
            is_df = bool(fields.get("is_df"))
            fields["access"] = _compact_access(values[0x8C], _DF_MODES if is_df else _EF_MODES)
        return cls(**fields)  # type: ignore[arg-type]

    def describe(self) -> str:
        """One line: ``EF 5001 transparent, 29 bytes, SFI 1, ...; read: always, ...``."""
        if self.is_df is None and self.fid is None and self.name:
            parts = [f"application {self.name}"]  # an FCI with only a DF name (an applet's)
        else:
            kind = "DF" if self.is_df else "EF" if self.is_df is not None else "file"
            parts = [f"{kind} {self.fid}" if self.fid else kind]
            if self.name:
                parts.append(f"name {self.name}")
        if self.structure:
            parts[0] += f" {self.structure}"
        if self.records is not None and self.record_size is not None:
            parts.append(f"{self.records} records of {self.record_size} bytes")
        elif self.record_size is not None:
            parts.append(f"records up to {self.record_size} bytes")
        if self.size is not None:
            parts.append(f"{self.size} bytes")
        if self.sfi is not None:
            parts.append(f"SFI {self.sfi}")
        if self.life_cycle:
            parts.append(self.life_cycle)
        text = ", ".join(parts)
        if self.access:
            text += "; " + ", ".join(f"{mode}: {rule}" for mode, rule in self.access)
        return text


def _descriptor(value: bytes) -> dict[str, object]:
    # ISO/IEC 7816-4:2020 7.4.5: b6-b4 = 111 is a DF; else b3-b1 is the EF structure, and
    # record EFs add the maximum record size (1 or 2 bytes) and the number of records.
    first = value[0]
    if first & 0x38 == 0x38:
        return {"is_df": True}
    fields: dict[str, object] = {"is_df": False, "structure": _STRUCTURES.get(first & 0x07)}
    if first & 0x07 > 1 and len(value) >= 3:
        size_bytes = value[2:4] if len(value) >= 4 else value[2:3]
        fields["record_size"] = int.from_bytes(size_bytes, "big")
        if len(value) >= 5:
            fields["records"] = value[4]
    return fields


def _compact_access(value: bytes, modes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    access_mode, conditions = value[0], list(value[1:])
    out = []
    for bit, mode in zip(range(6, -1, -1), modes, strict=True):
        if access_mode >> bit & 1:
            if not conditions:
                break
            out.append((mode, _condition(conditions.pop(0))))
    out.reverse()  # read first, as people look for it
    return tuple(out)


@dataclass
class Location:
    """Where a channel is: the DFs from the MF (or the application selected by name), and the
    current EF."""

    path: list[str] = field(default_factory=list)
    ef: str | None = None

    def text(self) -> str:
        """``3F00/5000/5001`` (opensc-explorer's form), empty before any SELECT."""
        return "/".join([*self.path, *([self.ef] if self.ef else [])])


@dataclass
class FileTree:
    """Files seen so far, under the path of the DF they were selected in."""

    children: dict[str, dict[str, FileInfo]] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)  # AIDs / DF names selected or seen

    def record(self, parent: list[str], fid: str, info: FileInfo) -> None:
        self.children.setdefault("/".join(parent), {})[fid] = info
        if info.name:
            self.names.add(info.name)

    def under(self, path: list[str]) -> dict[str, FileInfo]:
        return self.children.get("/".join(path), {})

    def identifiers(self) -> set[str]:
        """Every FID and DF name seen, for completion."""
        found = set(self.names)
        for files in self.children.values():
            found.update(files)
        return found
