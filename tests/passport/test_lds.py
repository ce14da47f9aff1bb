"""LDS parsing: EF.COM (9303-11 Appendix D.4's bytes), DG1, DG2's face image (opened by Pillow,
a decoder cardwire did not write), DG11, DG12, DG15 and the refusals."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from cardwire.errors import DecodeError
from cardwire.passport.lds import (
    dg_fid,
    parse_com,
    parse_dg1,
    parse_dg2,
    parse_dg11,
    parse_dg12,
    parse_dg15,
    parse_facial_record,
)
from cardwire.sim.applets.epassport.issuance import (
    IssuanceConfig,
    Issuer,
    dg2_photo,
    face_jpeg,
    facial_record,
)
from cardwire.sim.applets.epassport.lds import DEFAULT_EF_COM, Td3Mrz, dg1_content
from cardwire.tlv import tlv

ISSUER = Issuer(IssuanceConfig(), ())


def test_ef_com_of_appendix_d() -> None:
    # ICAO 9303-11 D.4 reads this EF.COM: LDS 1.6, Unicode 4.0.0, DG1 and DG2.
    com = parse_com(DEFAULT_EF_COM)
    assert (com.lds_version, com.unicode_version, com.data_groups) == ("0106", "040000", (1, 2))


def test_ef_com_refuses_an_unknown_tag_and_a_wrong_template() -> None:
    with pytest.raises(DecodeError):
        parse_com(tlv(0x60, tlv(0x5C, b"\x61\x99")))
    with pytest.raises(DecodeError):
        parse_com(tlv(0x61, b""))


def test_dg1_gives_the_mrz_fields() -> None:
    mrz = parse_dg1(dg1_content(Td3Mrz()))
    assert mrz.valid
    assert mrz.fields()["document_number"] == "L898902C"


def test_dg2_face_is_a_jpeg_pillow_opens() -> None:
    faces = parse_dg2(dg2_photo())
    assert len(faces) == 1
    face = faces[0]
    assert (face.format, face.extension, face.width, face.height) == ("jpeg", "jpg", 240, 320)
    with Image.open(io.BytesIO(face.data)) as image:
        assert (image.format, image.size) == ("JPEG", (240, 320))


def test_dg2_with_a_jpeg2000_face() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 32), (200, 180, 160)).save(buffer, "JPEG2000")  # Pillow's OpenJPEG
    face = parse_dg2(dg2_photo(buffer.getvalue()))[0]
    assert face.format == "jpeg2000"
    with Image.open(io.BytesIO(face.data)) as image:
        assert image.size == (24, 32)


def test_a_39794_encoded_face_is_reported_unsupported() -> None:
    # ISO/IEC 39794-5 encodes the face as DER (a context-specific constructed tag first).
    with pytest.raises(DecodeError, match="unsupported encoding"):
        parse_facial_record(bytes.fromhex("A1820010") + bytes(16))


def test_a_truncated_facial_record_is_refused() -> None:
    record = facial_record(face_jpeg())
    assert parse_facial_record(record)[0].data == face_jpeg()
    with pytest.raises(DecodeError, match="runs past"):
        parse_facial_record(record[:-100])


def test_dg11_and_dg12_fields() -> None:
    assert parse_dg11(ISSUER.dg11()) == {
        "full_name": "ERIKSSON, ANNA MARIA",
        "full_date_of_birth": "19690806",
        "place_of_birth": "ZENITH, UTOPIA",
    }
    assert parse_dg12(ISSUER.dg12()) == {
        "issuing_authority": "UTOPIA PASSPORT OFFICE",
        "date_of_issue": "19840624",
    }


def test_dg15_holds_a_subject_public_key_info() -> None:
    assert parse_dg15(ISSUER.dg15())[:1] == b"\x30"
    with pytest.raises(DecodeError):
        parse_dg15(tlv(0x6F, b"\x04\x00"))


def test_data_group_file_identifiers() -> None:
    assert (dg_fid(1), dg_fid(15)) == (0x0101, 0x010F)
    with pytest.raises(DecodeError):
        dg_fid(17)
