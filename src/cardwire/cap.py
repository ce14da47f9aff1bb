"""Java Card CAP files: the zip, its components, the package and applet AIDs, and the load file
data block a GlobalPlatform LOAD sends (sans-IO apart from :meth:`CapFile.read`).

Sources: Java Card Virtual Machine Specification (JCVM) 3.0.5 / 3.1, chapter 6 (the CAP file
format): every component is ``u1 tag, u2 size, u1 info[size]`` (6.1); the Header component
(tag 1, 6.4) starts with magic DECAFFED, CAP format minor and major version, flags and the
package info (version, AID); the Applet component (tag 3, 6.5) lists each applet's AID. JCVM
3.1 adds the extended format (flag ACC_EXTENDED, several packages per CAP file), which this
module recognises and refuses.

GlobalPlatform Card Specification v2.3 (GPC) 11.6.2.3 and C.2: the Load File Data Block is the
components in the order Header, Directory, Import, Applet, Class, Method, Static Field, Export,
Constant Pool, Reference Location, then the optional Descriptor, never Debug, inside tag C4
with its BER length.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from cardwire.errors import DecodeError, UsageError
from cardwire.tlv import parse, tlv


class Component(IntEnum):
    """JCVM 6.1 table 6-1: component tags."""

    HEADER = 1
    DIRECTORY = 2
    APPLET = 3
    IMPORT = 4
    CONSTANT_POOL = 5
    CLASS = 6
    METHOD = 7
    STATIC_FIELD = 8
    REFERENCE_LOCATION = 9
    EXPORT = 10
    DESCRIPTOR = 11
    DEBUG = 12


# JCVM 6.1 table 6-1: the file name of each component inside the CAP zip.
FILE_NAMES = {
    Component.HEADER: "Header.cap",
    Component.DIRECTORY: "Directory.cap",
    Component.APPLET: "Applet.cap",
    Component.IMPORT: "Import.cap",
    Component.CONSTANT_POOL: "ConstantPool.cap",
    Component.CLASS: "Class.cap",
    Component.METHOD: "Method.cap",
    Component.STATIC_FIELD: "StaticField.cap",
    Component.REFERENCE_LOCATION: "RefLocation.cap",
    Component.EXPORT: "Export.cap",
    Component.DESCRIPTOR: "Descriptor.cap",
    Component.DEBUG: "Debug.cap",
}
# GPC 11.6.2.3 / C.2: the order in the Load File Data Block (Descriptor optional, Debug never).
LOAD_ORDER = (
    Component.HEADER,
    Component.DIRECTORY,
    Component.IMPORT,
    Component.APPLET,
    Component.CLASS,
    Component.METHOD,
    Component.STATIC_FIELD,
    Component.EXPORT,
    Component.CONSTANT_POOL,
    Component.REFERENCE_LOCATION,
)
REQUIRED = frozenset(
    {
        Component.HEADER,
        Component.DIRECTORY,
        Component.IMPORT,
        Component.CLASS,
        Component.METHOD,
        Component.STATIC_FIELD,
        Component.CONSTANT_POOL,
        Component.REFERENCE_LOCATION,
    }
)
MAGIC = bytes.fromhex("DECAFFED")  # JCVM 6.4: the Header component's magic number
ACC_APPLET = 0x04  # JCVM 6.4 table 6-3: the package defines applets
ACC_EXTENDED = 0x08  # JCVM 3.1 6.4: the CAP file is in the extended format
TAG_LOAD_FILE_DATA_BLOCK = 0xC4  # GPC 11.6.2.3


@dataclass(frozen=True, slots=True)
class Header:
    """What the Header component says (JCVM 6.4)."""

    cap_version: tuple[int, int]  # (major, minor) of the CAP format
    flags: int
    package_version: tuple[int, int]
    package_aid: bytes


def component_tlv(tag: int, info: bytes) -> bytes:
    """One component as it is stored: u1 tag, u2 size, info (JCVM 6.1)."""
    if len(info) > 0xFFFF:
        raise UsageError(f"component {tag} is {len(info)} bytes, more than a u2 size")
    return bytes((tag,)) + len(info).to_bytes(2, "big") + info


def split_component(raw: bytes, expected: int | None = None) -> tuple[int, bytes]:
    """(tag, info) of one stored component; DecodeError when its size does not match."""
    if len(raw) < 3:
        raise DecodeError("CAP component shorter than its tag and size", 0)
    tag, size = raw[0], int.from_bytes(raw[1:3], "big")
    if len(raw) != 3 + size:
        raise DecodeError(f"CAP component {tag}: size {size}, {len(raw) - 3} bytes follow", 1)
    if expected is not None and tag != expected:
        raise DecodeError(f"CAP component has tag {tag}, expected {expected}", 0)
    return tag, raw[3:]


def parse_header(raw: bytes) -> Header:
    """The Header component (JCVM 6.4); extended-format CAP files are refused by name."""
    _, info = split_component(raw, Component.HEADER)
    if len(info) < 7 or info[:4] != MAGIC:
        raise DecodeError("CAP Header component without the DECAFFED magic", 3)
    minor, major, flags = info[4], info[5], info[6]
    if flags & ACC_EXTENDED:
        raise UsageError(
            "extended-format CAP file (JCVM 3.1, several packages): not supported; "
            "build it in the compact format"
        )
    if len(info) < 10 or not 5 <= info[9] <= 16 or len(info) < 10 + info[9]:
        raise DecodeError("CAP Header component: package AID missing or not 5-16 bytes", 12)
    return Header((major, minor), flags, (info[8], info[7]), info[10 : 10 + info[9]])


def parse_applets(raw: bytes) -> tuple[bytes, ...]:
    """The applet AIDs of the Applet component (JCVM 6.5)."""
    _, info = split_component(raw, Component.APPLET)
    if not info:
        raise DecodeError("CAP Applet component is empty", 3)
    aids = []
    pos = 1
    for _ in range(info[0]):
        if pos >= len(info):
            raise DecodeError("CAP Applet component truncated", 3 + pos)
        length = info[pos]
        aid = info[pos + 1 : pos + 1 + length]
        if len(aid) != length or not 5 <= length <= 16 or pos + 3 + length > len(info):
            raise DecodeError("CAP Applet component: applet AID truncated or not 5-16 bytes")
        aids.append(aid)
        pos += 1 + length + 2  # AID, then u2 install_method_offset
    if pos != len(info):
        raise DecodeError("CAP Applet component: trailing bytes", 3 + pos)
    return tuple(aids)


@dataclass(frozen=True, slots=True)
class CapFile:
    """A compact-format CAP file: its components by tag (each with tag and size, as stored)."""

    components: dict[int, bytes]

    @classmethod
    def read(cls, path: Path) -> CapFile:
        try:
            return cls.from_zip(path.read_bytes())
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc

    @classmethod
    def from_zip(cls, data: bytes) -> CapFile:
        """Components from the CAP zip: the ``*/javacard/NAME.cap`` entries (JCVM 6.1)."""
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = {n.rsplit("/", 1)[-1]: n for n in archive.namelist() if "/javacard/" in n}
            found: dict[int, bytes] = {
                int(tag): archive.read(names[name])
                for tag, name in FILE_NAMES.items()
                if name in names
            }
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise DecodeError(f"not a CAP file (zip): {exc}") from None
        return cls.from_components(found)

    @classmethod
    def from_components(cls, found: dict[int, bytes]) -> CapFile:
        missing = sorted(FILE_NAMES[Component(t)] for t in REQUIRED - set(found))
        if missing:
            raise DecodeError(f"CAP file lacks {', '.join(missing)}")
        for tag, raw in found.items():
            split_component(raw, tag)
        cap = cls(dict(found))
        cap.header  # noqa: B018 - parse the header now: a bad or extended CAP fails here
        return cap

    @property
    def header(self) -> Header:
        return parse_header(self.components[Component.HEADER])

    @property
    def package_aid(self) -> bytes:
        return self.header.package_aid

    @property
    def applet_aids(self) -> tuple[bytes, ...]:
        raw = self.components.get(Component.APPLET)
        return () if raw is None else parse_applets(raw)

    def code(self, *, descriptor: bool = False) -> bytes:
        """The components in load order (GPC C.2), the Descriptor when asked."""
        order = (*LOAD_ORDER, Component.DESCRIPTOR) if descriptor else LOAD_ORDER
        return b"".join(self.components.get(tag, b"") for tag in order)

    def load_file_data_block(self, *, descriptor: bool = False) -> bytes:
        """C4 with its BER length around :meth:`code` (GPC 11.6.2.3)."""
        return tlv(TAG_LOAD_FILE_DATA_BLOCK, self.code(descriptor=descriptor))

    def hash(self, algorithm: str = "sha1", *, descriptor: bool = False) -> bytes:
        """The Load File Data Block hash of INSTALL [for load] (GPC 11.5.2.3.1, C.2): over the
        components, without the C4 header, as GlobalPlatformPro (CAPFile.getLoadFileDataHash)
        computes it."""
        return hashlib.new(algorithm, self.code(descriptor=descriptor)).digest()


def parse_load_file_data_block(block: bytes) -> tuple[bytes, tuple[bytes, ...], bytes]:
    """(package AID, applet AIDs, code) of a received C4 block (the card side of LOAD)."""
    nodes = parse(block)
    if len(nodes) != 1 or nodes[0].tag != TAG_LOAD_FILE_DATA_BLOCK:
        raise DecodeError("the load file data block is not one C4 object", 0)
    code = nodes[0].value
    found: dict[int, bytes] = {}
    pos = 0
    while pos < len(code):
        if pos + 3 > len(code):
            raise DecodeError("component header truncated", pos)
        end = pos + 3 + int.from_bytes(code[pos + 1 : pos + 3], "big")
        if end > len(code) or code[pos] in found:
            raise DecodeError("component truncated or repeated", pos)
        found[code[pos]] = code[pos:end]
        pos = end
    cap = CapFile.from_components(found)
    return cap.package_aid, cap.applet_aids, code


__all__ = [
    "ACC_APPLET",
    "ACC_EXTENDED",
    "LOAD_ORDER",
    "CapFile",
    "Component",
    "Header",
    "component_tlv",
    "parse_applets",
    "parse_header",
    "parse_load_file_data_block",
]
