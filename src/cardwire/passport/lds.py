"""The LDS1 files of an eMRTD application, parsed: EF.COM, DG1, DG2, DG11, DG12, DG15 (and
DG14 through :mod:`cardwire.passport.security_infos`).

Sources: ICAO Doc 9303-10 4.6 (EF.COM), 4.7 (the data groups: DG1 61/5F1F, DG2 75/7F61/7F60
with the CBEFF header A1 and biometric data block 5F2E or 7F2E, DG11 6B, DG12 6C, DG15 6F),
table 38 (file identifiers and SFIs); ISO/IEC 19794-5:2005 5.4-5.7 (the facial record:
"FAC\\0" header, facial information, image information, image data).
"""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.errors import DecodeError
from cardwire.passport.mrz import Mrz, parse_mrz
from cardwire.tlv import Tlv, parse_one

# 9303-10 table 38 / 4.6.1: the tag of each data group's template, as EF.COM lists them.
DG_TAGS = {
    0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x68: 8,
    0x69: 9, 0x6A: 10, 0x6B: 11, 0x6C: 12, 0x6D: 13, 0x6E: 14, 0x6F: 15, 0x70: 16,
}  # fmt: skip
TAG_COM, TAG_SOD = 0x60, 0x77
FID_COM, FID_SOD = 0x011E, 0x011D
EAC_PROTECTED = frozenset({3, 4})  # 9303-11 7.1 / BSI TR-03110: DG3 and DG4 need EAC
JPEG_MAGIC = b"\xff\xd8\xff"
JP2_MAGICS = (b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")  # JP2 file, J2K stream


def dg_fid(number: int) -> int:
    """The FID of DGn: 0101..0110 (9303-10 table 38); its SFI is the low byte."""
    if not 1 <= number <= 16:
        raise DecodeError(f"no data group {number}", 0)
    return 0x0100 + number


def dg_name(number: int) -> str:
    return f"DG{number}"


@dataclass(frozen=True, slots=True)
class EfCom:
    """EF.COM: LDS version, Unicode version and the data groups present (9303-10 4.6)."""

    lds_version: str
    unicode_version: str
    data_groups: tuple[int, ...]


def _template(data: bytes, tag: int, what: str) -> Tlv:
    node = parse_one(data, strict=False)
    if node.tag != tag:
        raise DecodeError(f"{what} starts with tag {node.tag:X}, expected {tag:X}", 0)
    return node


def _text(node: Tlv | None) -> str:
    return node.value.decode("utf-8", "replace") if node is not None else ""


def parse_com(data: bytes) -> EfCom:
    """EF.COM: 60 { 5F01 LDS version, 5F36 Unicode version, 5C tag list }."""
    node = _template(data, TAG_COM, "EF.COM")
    tags = node.find(0x5C)
    if tags is None:
        raise DecodeError("EF.COM has no tag list (5C)", 0)
    unknown = [t for t in tags.value if t not in DG_TAGS]
    if unknown:
        raise DecodeError(f"EF.COM lists unknown data group tag {unknown[0]:02X}", 0)
    return EfCom(
        _text(node.find(0x5F01)), _text(node.find(0x5F36)), tuple(DG_TAGS[t] for t in tags.value)
    )


def parse_dg1(data: bytes) -> Mrz:
    """DG1: 61 { 5F1F MRZ } decoded into fields with the check digits verified."""
    mrz = _template(data, 0x61, "DG1").find(0x5F1F)
    if mrz is None:
        raise DecodeError("DG1 has no MRZ data element (5F1F)", 0)
    return parse_mrz(mrz.value.decode("ascii", "replace"))


@dataclass(frozen=True, slots=True)
class FaceImage:
    """A face image from DG2: its bytes and their format ("jpeg", "jpeg2000" or "unknown")."""

    data: bytes
    format: str
    width: int = 0
    height: int = 0

    @property
    def extension(self) -> str:
        return {"jpeg": "jpg", "jpeg2000": "jp2"}.get(self.format, "bin")


def parse_dg2(data: bytes) -> list[FaceImage]:
    """The face images of DG2 (9303-10 4.7.2: 75 { 7F61 { 02 n, 7F60 {A1, 5F2E|7F2E} ... } }).

    A biometric data block not in the ISO/IEC 19794-5 format (for example the newer ISO/IEC
    39794-5 encoding) raises :class:`DecodeError` naming it an unsupported encoding.
    """
    group = _template(data, 0x75, "DG2").find(0x7F61)
    if group is None:
        raise DecodeError("DG2 has no biometric information group template (7F61)", 0)
    faces = []
    for template in group.children:
        if template.tag != 0x7F60:
            continue
        block = template.find(0x5F2E) or template.find(0x7F2E)
        if block is None:
            raise DecodeError("DG2 template without a biometric data block (5F2E/7F2E)", 0)
        faces.extend(parse_facial_record(block.value))
    return faces


def _u(data: bytes, offset: int, size: int) -> int:
    if offset + size > len(data):
        raise DecodeError("the facial record ends early", offset)
    return int.from_bytes(data[offset : offset + size], "big")


def parse_facial_record(record: bytes) -> list[FaceImage]:
    """ISO/IEC 19794-5:2005: the images of a facial record ("FAC\\0", version, length, count)."""
    if record[:4] != b"FAC\x00":
        raise DecodeError(
            "unsupported encoding of the face: not an ISO/IEC 19794-5 facial record (FAC)", 0
        )
    count = _u(record, 12, 2)  # 5.4: format id 4, version 4, record length 4, faces 2
    offset, images = 14, []
    for _ in range(count):
        block_length = _u(record, offset, 4)
        points = _u(record, offset + 4, 2)
        # 5.5: facial information is 20 bytes, then 8 per feature point (5.6), then the
        # image information (5.7.1: type, data type, width, height, colour, source, device,
        # quality: 12 bytes) and the image data (5.8).
        info = offset + 20 + 8 * points
        width, height = _u(record, info + 2, 2), _u(record, info + 4, 2)
        image = record[info + 12 : offset + block_length]
        if offset + block_length > len(record) or block_length < info + 12 - offset:
            raise DecodeError("a facial record block length runs past the record", offset)
        images.append(FaceImage(image, _image_format(image), width, height))
        offset += block_length
    return images


def _image_format(image: bytes) -> str:
    # 19794-5 5.7.3: image data type 00 JPEG, 01 JPEG 2000; the bytes' own magic decides.
    if image.startswith(JPEG_MAGIC):
        return "jpeg"
    if image.startswith(JP2_MAGICS):
        return "jpeg2000"
    return "unknown"  # the data type byte says one thing, the bytes are neither


# 9303-10 4.7.11 (DG11) and 4.7.12 (DG12): the text elements by tag.
DG11_FIELDS = {
    0x5F0E: "full_name", 0x5F10: "personal_number", 0x5F2B: "full_date_of_birth",
    0x5F11: "place_of_birth", 0x5F42: "address", 0x5F12: "telephone", 0x5F13: "profession",
    0x5F14: "title", 0x5F15: "personal_summary", 0x5F17: "other_td_numbers",
    0x5F18: "custody_information",
}  # fmt: skip
DG12_FIELDS = {
    0x5F19: "issuing_authority", 0x5F26: "date_of_issue", 0x5F1B: "endorsements",
    0x5F1C: "tax_exit_requirements", 0x5F55: "personalization_time",
    0x5F56: "personalization_device",
}  # fmt: skip


def _fields(node: Tlv, names: dict[int, str]) -> dict[str, str]:
    out = {}
    for child in node.children:
        name = names.get(child.tag)
        if name is not None:
            out[name] = _text(child)
        elif child.tag == 0xA0:  # other names / other persons: a count 02 then 5F0F each
            others = [_text(c) for c in child.children if c.tag == 0x5F0F]
            if others:
                out["other_names"] = "; ".join(others)
    return out


def parse_dg11(data: bytes) -> dict[str, str]:
    """DG11, additional personal details: 6B { 5C tag list, 5F0E full name, ... }."""
    return _fields(_template(data, 0x6B, "DG11"), DG11_FIELDS)


def parse_dg12(data: bytes) -> dict[str, str]:
    """DG12, additional document details: 6C { 5C tag list, 5F19 issuing authority, ... }."""
    return _fields(_template(data, 0x6C, "DG12"), DG12_FIELDS)


def parse_dg15(data: bytes) -> bytes:
    """DG15: 6F { SubjectPublicKeyInfo } (9303-11 6.1): the AA public key's DER."""
    node = _template(data, 0x6F, "DG15")
    if not node.value or node.value[0] != 0x30:
        raise DecodeError("DG15 does not hold a SubjectPublicKeyInfo", 0)
    return node.value


def dg14_content(data: bytes) -> bytes:
    """DG14: 6E { SecurityInfos }: the DER SecurityInfos inside."""
    return _template(data, 0x6E, "DG14").value


__all__ = [
    "DG_TAGS",
    "EAC_PROTECTED",
    "FID_COM",
    "FID_SOD",
    "EfCom",
    "FaceImage",
    "dg14_content",
    "dg_fid",
    "dg_name",
    "parse_com",
    "parse_dg1",
    "parse_dg2",
    "parse_dg11",
    "parse_dg12",
    "parse_dg15",
    "parse_facial_record",
]
