"""A small compact-format CAP file built byte by byte from the Java Card VM Specification 3.0.5
chapter 6 (CAP format 2.1): one package with one applet whose install method is a bare
``return``. The bytecode never runs (the simulator has no Java Card VM); the layout is what a
converter writes, so that the host's CAP parser and the card's LOAD see a real structure.

``python tests/cap_builder.py`` writes tests/data/gp/keycard.cap (package A0000008040001,
applet A000000804000101: the Keycard's published AIDs) used by tests and docs/gp.md.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from cardwire.cap import FILE_NAMES, Component, component_tlv

KEYCARD_PACKAGE = bytes.fromhex("A0000008040001")
KEYCARD_APPLET = bytes.fromhex("A000000804000101")
JAVACARD_FRAMEWORK = bytes.fromhex("A0000000620101")  # javacard.framework, imported by every applet


def _u2(value: int) -> bytes:
    return value.to_bytes(2, "big")


def components(
    package: bytes, applets: tuple[bytes, ...], *, flags: int = 0x04
) -> dict[int, bytes]:
    """Every component of the CAP file, each as ``u1 tag, u2 size, info`` (JCVM 6.1)."""
    package_info = bytes((0x00, 0x01, len(package))) + package  # minor 0, major 1 (6.4)
    # 6.4 Header: magic, CAP format minor 1 and major 2, flags (ACC_APPLET), package info.
    header = bytes.fromhex("DECAFFED") + bytes((0x01, 0x02, flags)) + package_info
    # 6.7 Import: one package, javacard.framework 1.3.
    imports = bytes((1, 0x03, 0x01, len(JAVACARD_FRAMEWORK))) + JAVACARD_FRAMEWORK
    # 6.9 Method: no exception handlers; one method: header (flags 0, max_stack 1; nargs 1,
    # max_locals 0) then the bytecode "return" (7A). Its offset (1) is the install method's.
    method = bytes((0x00, 0x01, 0x10, 0x7A))
    # 6.5 Applet: count, then each applet's AID and its install method offset.
    applet = bytes((len(applets),)) + b"".join(bytes((len(aid),)) + aid + _u2(1) for aid in applets)
    # 6.8 Class: one class, no interfaces, superclass javacard.framework.Applet (external
    # reference: package token 0, class token 3), no fields, empty method tables.
    klass = bytes((0x00, 0x80, 0x03, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00))
    # 6.10 Static Field: image size, reference count, array init count, default and
    # non-default value counts, all zero.
    static_field = bytes(10)
    constant_pool = _u2(0)  # 6.11: no entries
    ref_location = _u2(0) + _u2(0)  # 6.12: no one-byte or two-byte offsets
    sized = {
        Component.HEADER: header,
        Component.APPLET: applet,
        Component.IMPORT: imports,
        Component.CONSTANT_POOL: constant_pool,
        Component.CLASS: klass,
        Component.METHOD: method,
        Component.STATIC_FIELD: static_field,
        Component.REFERENCE_LOCATION: ref_location,
    }
    # 6.6 Directory (CAP 2.1): the sizes of components 1..11 (Directory's own included),
    # static field size info, import count, applet count, custom component count.
    directory_size = 11 * 2 + 6 + 3
    sizes = [
        directory_size if tag == Component.DIRECTORY else len(sized.get(Component(tag), b""))
        for tag in range(1, 12)
    ]
    directory = b"".join(_u2(s) for s in sizes) + bytes(6) + bytes((1, len(applets), 0))
    sized[Component.DIRECTORY] = directory
    return {int(tag): component_tlv(tag, info) for tag, info in sized.items()}


def cap_zip(package: bytes, applets: tuple[bytes, ...], *, flags: int = 0x04) -> bytes:
    """The CAP file: a zip with META-INF/MANIFEST.MF and ``pkg/javacard/NAME.cap`` entries."""
    out = io.BytesIO()
    fixed = (1980, 1, 1, 0, 0, 0)  # a fixed date: the file is the same on every build
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF", fixed), "Manifest-Version: 1.0\n")
        for tag, raw in sorted(components(package, applets, flags=flags).items()):
            name = f"org/example/test/javacard/{FILE_NAMES[Component(tag)]}"
            archive.writestr(zipfile.ZipInfo(name, fixed), raw)
    return out.getvalue()


def keycard_cap() -> bytes:
    return cap_zip(KEYCARD_PACKAGE, (KEYCARD_APPLET,))


if __name__ == "__main__":
    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "data/gp/keycard.cap"
    )
    target.write_bytes(keycard_cap())
