"""CAP files (cardwire.cap): the zip, the components, the load file data block (JCVM 6, GPC C.2)."""

from __future__ import annotations

import io
import zipfile

import pytest

from cap_builder import KEYCARD_APPLET, KEYCARD_PACKAGE, cap_zip, components, keycard_cap
from cardwire.cap import CapFile, Component, parse_load_file_data_block
from cardwire.errors import DecodeError, UsageError


def test_package_and_applet_aids_of_the_built_cap() -> None:
    cap = CapFile.from_zip(keycard_cap())
    assert cap.package_aid == KEYCARD_PACKAGE
    assert cap.applet_aids == (KEYCARD_APPLET,)
    assert cap.header.cap_version == (2, 1)
    assert cap.header.package_version == (1, 0)


def test_the_load_file_data_block_holds_the_components_in_gp_order() -> None:
    found = components(KEYCARD_PACKAGE, (KEYCARD_APPLET,))
    found[Component.DEBUG] = bytes((Component.DEBUG, 0, 1, 0xAA))
    found[Component.DESCRIPTOR] = bytes((Component.DESCRIPTOR, 0, 1, 0xBB))
    cap = CapFile.from_components(found)
    block = cap.load_file_data_block()
    code = block[3:] if block[1] == 0x81 else block[2:]
    # GPC C.2: Header, Directory, Import, Applet, Class, Method, Static Field, Export (absent),
    # Constant Pool, Reference Location; no Descriptor unless asked, never Debug.
    tags, pos = [], 0
    while pos < len(code):
        tags.append(code[pos])
        pos += 3 + int.from_bytes(code[pos + 1 : pos + 3], "big")
    assert tags == [1, 2, 4, 3, 6, 7, 8, 5, 9]
    assert cap.code(descriptor=True).endswith(found[Component.DESCRIPTOR])
    assert b"\xaa" not in cap.code(descriptor=True)[-4:]


def test_c4_carries_a_ber_length() -> None:
    cap = CapFile.from_zip(cap_zip(KEYCARD_PACKAGE, (KEYCARD_APPLET,) * 12))
    code = cap.code()
    assert len(code) > 127
    block = cap.load_file_data_block()
    assert (
        block[:3] == bytes((0xC4, 0x81, len(code))) if len(code) < 256 else block[:2] == b"\xc4\x82"
    )
    assert parse_load_file_data_block(block) == (KEYCARD_PACKAGE, (KEYCARD_APPLET,) * 12, code)


def test_the_hash_is_over_the_components_without_c4() -> None:
    import hashlib

    cap = CapFile.from_zip(keycard_cap())
    sha1 = "sha1"  # GPC C.2: SHA-1 (or SHA-256) is what the load file hash uses
    assert cap.hash(sha1) == hashlib.new(sha1, cap.code()).digest()
    assert cap.hash(sha1) != hashlib.new(sha1, cap.load_file_data_block()).digest()


def test_extended_format_is_refused_by_name() -> None:
    with pytest.raises(UsageError, match="extended-format"):
        CapFile.from_zip(cap_zip(KEYCARD_PACKAGE, (KEYCARD_APPLET,), flags=0x0C))


def test_a_missing_component_is_named() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("p/javacard/Header.cap", components(KEYCARD_PACKAGE, ())[1])
    with pytest.raises(DecodeError, match=r"Directory\.cap"):
        CapFile.from_zip(out.getvalue())


@pytest.mark.parametrize(
    "data",
    [b"not a zip", b"\xc4\x01\x00"],
)
def test_garbage_is_a_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        CapFile.from_zip(data)
    with pytest.raises(DecodeError):
        parse_load_file_data_block(data)


def test_bad_magic_and_sizes_are_refused() -> None:
    found = components(KEYCARD_PACKAGE, (KEYCARD_APPLET,))
    found[1] = found[1][:3] + b"\xca\xfe" + found[1][5:]
    with pytest.raises(DecodeError, match="DECAFFED"):
        CapFile.from_components(found)
    found = components(KEYCARD_PACKAGE, (KEYCARD_APPLET,))
    found[7] = found[7] + b"\x00"
    with pytest.raises(DecodeError, match="size"):
        CapFile.from_components(found)
