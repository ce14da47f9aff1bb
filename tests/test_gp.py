"""GlobalPlatform card management builders and parsers (cardwire.gp)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire import gp
from cardwire.apdu import Command, Response
from cardwire.errors import CryptogramError, DecodeError
from cardwire.sm.scp03 import StaticKeys

AID = bytes.fromhex("F0636172647769726503")


def test_parse_status_known_answers() -> None:
    # GlobalPlatformPro, library/src/test/java/pro/javacard/gp/TestParseTags.java
    # (testParseISD): an ISD entry A0000001510000, life cycle 07, privileges 80.
    (isd,) = gp.parse_status(bytes.fromhex("E3144F07A00000015100009F700107C50180EA028000"))
    assert (isd.aid, isd.life_cycle, isd.privileges) == (
        bytes.fromhex("A0000001510000"),
        7,
        b"\x80",
    )
    # Same file (testParsePaertialIsd): repeated CF objects, load file C4 and associated SD CC.
    raw = (
        "E3464F08A0000000030000009F700101C5039EFE80CF0140CF0141CF0142CF0143CF0180CF0181"
        "CF0182CF0183C40BD276000005AAFFCAFE0001CE020001CC08A000000003000000"
    )
    (entry,) = gp.parse_status(bytes.fromhex(raw))
    assert entry.privileges == bytes.fromhex("9EFE80")
    assert entry.load_file == bytes.fromhex("D276000005AAFFCAFE0001")
    assert entry.associated_sd == bytes.fromhex("A000000003000000")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # GPC 11.4.2: CLA 80, INS F2, P1 scope, P2 02 (TLV), data 4F 00 = every AID, Le 00
        (gp.get_status(gp.StatusScope.APPLICATIONS), "80F24002024F0000"),
        (
            gp.get_status(gp.StatusScope.ISSUER_SECURITY_DOMAIN, next_occurrence=True),
            "80F28003024F0000",
        ),
        # GPC 11.10.2: P1 40 (application), P2 83 lock / 07 unlock, data = the AID
        (gp.set_status(AID, locked=True), "80F040830AF0636172647769726503"),
        (gp.set_status(AID, locked=False), "80F040070AF0636172647769726503"),
        # GPC 11.2.2: P2 80 deletes related objects too; data 4F AID
        (gp.delete(AID, related=True), "80E400800C4F0AF063617264776972650300"),
        # GPC 11.2.2.3.2: DELETE [key], D2 key version; P2 01 as yubikit's delete_last sends it
        (gp.delete_key(0x31), "80E4000003D2013100"),
        (gp.delete_key(0x31, last=True), "80E4000103D2013100"),
        (gp.delete_key(0x31, 0x01), "80E4000006D00101D2013100"),
        # GPC 11.3.2: GET DATA with the tag in P1-P2
        (gp.get_data(0x9F7F), "80CA9F7F00"),
    ],
)
def test_builders(command: Command, expected: str) -> None:
    assert command.encode().hex().upper() == expected


def test_install_data_layout() -> None:
    # GPC 11.5.2.3.2 table 11-45: LV load file, LV module, LV application, LV privileges,
    # LV parameters (C9 00), LV token (empty).
    data = gp.InstallData(b"\xf0echo", b"\xf0echo", AID)
    expected = "05F06563686F05F06563686F0AF06361726477697265030100" + "02C90000"
    assert gp.install(data).data.hex().upper() == expected


@pytest.mark.parametrize("size", [16, 24, 32])
def test_put_key_round_trip(size: int) -> None:
    dek = bytes(range(0x40, 0x40 + size))
    new = StaticKeys(bytes(size), bytes([1]) * size, bytes([2]) * size, 0x31)
    command = gp.put_key(new, dek, replace_kvn=0x30)
    assert (command.p1, command.p2) == (0x30, 0x81)
    data = gp.PutKeyData.decode(command.data)
    assert data.encode() == command.data
    assert data.kvn == 0x31
    assert [block.decrypt(dek) for block in data.blocks] == [new.enc, new.mac, new.dek]
    assert [block.check_value for block in data.blocks] == [
        gp.key_check_value(k) for k in (new.enc, new.mac, new.dek)
    ]
    answer = bytes((0x31,)) + b"".join(block.check_value for block in data.blocks)
    gp.check_put_key_answer(answer, new)
    with pytest.raises(CryptogramError):
        gp.check_put_key_answer(answer[:-1] + bytes((answer[-1] ^ 1,)), new)
    with pytest.raises(DecodeError):
        gp.check_put_key_answer(answer[:-1], new)


def test_key_check_values_differ_per_key() -> None:
    assert len(gp.key_check_value(bytes(16))) == 3
    assert gp.key_check_value(bytes(16)) != gp.key_check_value(bytes(15) + b"\x01")


@given(
    st.binary(min_size=5, max_size=16),
    st.binary(min_size=5, max_size=16),
    st.binary(min_size=5, max_size=16),
    st.binary(max_size=3),
    st.binary(max_size=40),
    st.binary(max_size=20),
)
def test_install_data_round_trip(
    load: bytes, module: bytes, aid: bytes, priv: bytes, params: bytes, token: bytes
) -> None:
    data = gp.InstallData(load, module, aid, priv, params, token)
    assert gp.InstallData.decode(data.encode()) == data


@given(st.binary(max_size=120))
def test_any_bytes_decode_or_decode_error(raw: bytes) -> None:
    decoders = (gp.InstallData.decode, gp.PutKeyData.decode, gp.parse_status, gp.delete_target)
    for decode in (*decoders, gp.delete_key_target):
        with contextlib.suppress(DecodeError):
            decode(raw)


@pytest.mark.parametrize(
    ("data", "target"),
    [("D20131", (None, 0x31)), ("D00102", (0x02, None)), ("D00101D20130", (0x01, 0x30))],
)
def test_delete_key_target(data: str, target: tuple[int | None, int | None]) -> None:
    assert gp.delete_key_target(bytes.fromhex(data)) == target


@pytest.mark.parametrize("data", ["", "D2020131", "D20131D20132", "4F01A0", "D200"])
def test_delete_key_target_refuses(data: str) -> None:
    with pytest.raises(DecodeError):
        gp.delete_key_target(bytes.fromhex(data))


def test_read_status_follows_6310() -> None:
    first = gp.RegistryData(AID, 0x07).encode()
    second = gp.RegistryData(AID[:-1] + b"\x04", 0x83).encode()
    answers = iter([Response(first, 0x6310), Response(second, 0x9000)])
    sent: list[Command] = []

    def send(command: Command) -> Response:
        sent.append(command)
        return next(answers)

    entries = gp.read_status(send, gp.StatusScope.APPLICATIONS)
    assert [e.locked for e in entries] == [False, True]
    assert [c.p2 for c in sent] == [0x02, 0x03]
    assert gp.read_status(lambda c: Response(b"", 0x6A88), gp.StatusScope.LOAD_FILES) == ()


@pytest.mark.parametrize(
    ("key", "kcv"),
    [
        # GlobalPlatformPro, library/src/test/java/pro/javacard/gp/test/TestPlaintextKeys.java
        # (testSessionKeys_SCP03): the static key 4041..4F has the AES KCV 504A77.
        ("404142434445464748494A4B4C4D4E4F", "504A77"),
        # osmocom/pysim, tests/unittests/test_globalplatform.py (SCP03_KCV_Test): the
        # KEYSET_AES128 ENC, MAC and DEK keys.
        ("000102030405060708090A0B0C0D0E0F", "C35280"),
        ("101112131415161718191A1B1C1D1E1F", "013808"),
        ("202122232425262728292A2B2C2D2E2F", "840DE5"),
    ],
)
def test_aes_key_check_value_known_answers(key: str, kcv: str) -> None:
    # Amendment D: KCV = the 3 leftmost bytes of AES(key, 16 bytes 01).
    assert gp.key_check_value(bytes.fromhex(key)).hex().upper() == kcv


@pytest.mark.parametrize(
    ("size", "length_byte", "header"),
    [
        # GPC v2.3 table 11-71 (no padding): 88, block length 10, the encrypted key alone
        # (what yubikit securitydomain.put_key sends for AES-128).
        (16, False, "8810"),
        (32, False, "8820"),
        # Table 11-70 (padding): 88, block length 21, clear key length 18, 32 encrypted bytes.
        (24, False, "882118"),
        # GlobalPlatformPro GPSession.encodeKey: the clear key length always comes first.
        (16, True, "881110"),
        (32, True, "882120"),
    ],
)
def test_put_key_block_layout(size: int, length_byte: bool, header: str) -> None:
    dek = bytes(range(0x40, 0x50))
    key = bytes(range(size))
    command = gp.put_key(StaticKeys(key, key, key, 0x31), dek, length_byte=length_byte)
    block = command.data[1 : 1 + len(command.data[1:]) // 3]
    encrypted = gp.encrypt_key(dek, key)
    kcv = gp.key_check_value(key)
    assert block.hex().upper() == header + (encrypted + b"\x03" + kcv).hex().upper()
    decoded = gp.PutKeyData.decode(command.data)
    assert [b.decrypt(dek) for b in decoded.blocks] == [key] * 3
    assert decoded.encode() == command.data
