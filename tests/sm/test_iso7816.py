"""ISO 7816-4 secure messaging codec.

Known answers: ICAO Doc 9303-11 Appendix D.4 (3DES, step by step) and the AES sessions of
gmrtd/gmrtd iso7816/nfc_session_test.go and iso7816/secure_messaging_test.go (see the JSON).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardwire import tlv
from cardwire.apdu import Command, Response
from cardwire.crypto.padding import pad
from cardwire.errors import (
    DecodeError,
    MacError,
    SecureChannelError,
    SessionClosedError,
    UsageError,
)
from cardwire.sm.base import HostSecureSession
from cardwire.sm.iso7816 import (
    AesSuite,
    IsoSmCard,
    IsoSmHost,
    SmMode,
    SmSuite,
    SuiteName,
    TdesSuite,
    make_suite,
    max_plain_payload,
)

_VECTORS = Path(__file__).parent.parent / "vectors"
ICAO = json.loads((_VECTORS / "icao_9303_11_appendix_d.json").read_text())
AES = json.loads((_VECTORS / "aes_sm_gmrtd.json").read_text())
D3 = ICAO["d3_authentication"]
D4: list[dict[str, Any]] = ICAO["d4_secure_messaging"]
h = bytes.fromhex


def icao_suite() -> TdesSuite:
    return TdesSuite(h(D3["ks_enc"]), h(D3["ks_mac"]))


def icao_host() -> IsoSmHost:
    return IsoSmHost(icao_suite(), h(D3["ssc"]))


def icao_card() -> IsoSmCard:
    return IsoSmCard(icao_suite(), h(D3["ssc"]))


# --- ICAO 9303-11 Appendix D.4, step by step ---------------------------------------------


def test_d4_select_intermediate_values() -> None:
    step = D4[0]
    suite = icao_suite()
    assert pad(h("0CA4020C"), 8) == h(step["padded_header"])
    assert pad(h("011E"), 8) == h(step["padded_data"])
    encrypted = suite.encrypt(h(step["command_ssc"]), h(step["padded_data"]))
    assert encrypted == h(step["encrypted_data"])
    assert b"\x87\x09\x01" + encrypted == h(step["do87"])
    mac_input = h(step["command_ssc"]) + h(step["padded_header"]) + h(step["do87"])
    assert pad(mac_input, 8) == h(step["command_mac_input"])
    assert suite.mac(h(step["command_mac_input"])) == h(step["command_mac"])
    assert suite.mac(h(step["response_mac_input"])) == h(step["response_mac"])


def test_d4_read_binary_intermediate_values() -> None:
    step = D4[1]
    suite = icao_suite()
    mac_input = h(step["command_ssc"]) + h(step["padded_header"]) + h(step["do97"])
    assert pad(mac_input, 8) == h(step["command_mac_input"])
    assert suite.mac(pad(mac_input, 8)) == h(step["command_mac"])
    assert suite.mac(h(step["response_mac_input"])) == h(step["response_mac"])


def test_d4_host_session_reproduces_every_apdu() -> None:
    host = icao_host()
    for step in D4:
        protected = host.protect(Command.decode(h(step["command"])))
        assert protected.encode() == h(step["protected_command"]), step["name"]
        assert host.ssc == h(step["command_ssc"])
        plain = host.unprotect(Response.decode(h(step["protected_response"])))
        assert plain.encode() == h(step["plain_response"]), step["name"]
        assert host.ssc == h(step["response_ssc"])


def test_d4_card_session_unwraps_and_wraps_every_apdu() -> None:
    card = icao_card()
    for step in D4:
        command = card.unwrap(Command.decode(h(step["protected_command"])))
        assert command == Command.decode(h(step["command"]))
        wrapped = card.wrap(Response.decode(h(step["plain_response"])))
        assert wrapped.encode() == h(step["protected_response"]), step["name"]


# --- AES vectors (gmrtd/gmrtd) ---------------------------------------------------------------


@pytest.mark.parametrize("session", AES["sessions"], ids=[s["name"] for s in AES["sessions"]])
def test_aes_session(session: dict[str, Any]) -> None:
    host = IsoSmHost(
        make_suite("aes", h(session["ks_enc"]), h(session["ks_mac"])), h(session["ssc"])
    )
    card = IsoSmCard(
        make_suite("aes", h(session["ks_enc"]), h(session["ks_mac"])), h(session["ssc"])
    )
    for exchange in session["exchanges"]:
        protected = host.protect(Command.decode(h(exchange["command"])))
        assert protected.encode() == h(exchange["protected_command"])
        assert card.unwrap(protected) == Command.decode(h(exchange["command"]))
        plain = host.unprotect(Response.decode(h(exchange["protected_response"])))
        assert plain.encode() == h(exchange["plain_response"])
        assert card.wrap(plain).encode() == h(exchange["protected_response"])
    assert host.ssc == card.ssc == h(session["final_ssc"])


@pytest.mark.parametrize("case", AES["commands"], ids=[c["name"] for c in AES["commands"]])
def test_aes128_command(case: dict[str, Any]) -> None:
    host = IsoSmHost(AesSuite(h(case["ks_enc"]), h(case["ks_mac"])), h(case["ssc"]))
    assert host.protect(Command.decode(h(case["command"]))).encode() == h(case["protected_command"])


@pytest.mark.parametrize("case", AES["responses"], ids=[c["name"] for c in AES["responses"]])
def test_aes128_response(case: dict[str, Any]) -> None:
    host = IsoSmHost(AesSuite(h(case["ks_enc"]), h(case["ks_mac"])), h(case["ssc"]))
    plain = host.unprotect(Response.decode(h(case["protected_response"])))
    assert plain.encode() == h(case["plain_response"])


# --- behaviour ----------------------------------------------------------------------------------

_KEY_SIZES = {"3des": 16, "aes128": 16, "aes192": 24, "aes256": 32}


def make_test_suite(name: str) -> SmSuite:
    size = _KEY_SIZES[name]
    kenc, kmac = bytes(range(size)), bytes(range(size, 2 * size))
    return TdesSuite(kenc, kmac) if name == "3des" else AesSuite(kenc, kmac)


SUITES = sorted(_KEY_SIZES)


def pair(
    name: str, mode: SmMode = SmMode.COMBINED, ssc: bytes | None = None
) -> tuple[IsoSmHost, IsoSmCard]:
    suite = make_test_suite(name)
    start = ssc if ssc is not None else bytes(suite.ssc_width)
    return (
        IsoSmHost(make_test_suite(name), start, mode=mode),
        IsoSmCard(make_test_suite(name), start, mode=mode),
    )


def test_host_satisfies_the_protocol() -> None:
    host: HostSecureSession = pair("3des")[0]
    assert host.active


@pytest.mark.parametrize(("name", "expected"), [("3des", 231), ("aes128", 223), ("aes256", 223)])
def test_max_payload_fits_a_short_apdu(name: str, expected: int) -> None:
    host, card = pair(name)
    assert host.max_payload == expected
    protected = host.protect(Command(0x00, 0xD6, 0, 0, bytes(host.max_payload), ne=256))
    assert not protected.is_extended
    assert card.unwrap(protected).data == bytes(host.max_payload)
    one_more = host.protect(Command(0x00, 0xD6, 0, 0, bytes(host.max_payload + 1), ne=256))
    assert one_more.is_extended


def test_max_plain_payload_derives_from_block_and_mac() -> None:
    assert max_plain_payload(8) > max_plain_payload(16)
    assert max_plain_payload(8, mac_length=16) < max_plain_payload(8)


LE_CASES = [
    (0, False, None, "no DO97 when Ne = 0"),
    (1, False, "970101", "one byte"),
    (256, False, "970100", "256 as 00"),
    (257, True, "97020101", "two bytes when extended"),
    (65536, True, "97020000", "65536 as 0000"),
]


@pytest.mark.parametrize(("ne", "extended", "do97", "why"), LE_CASES, ids=[c[3] for c in LE_CASES])
def test_do97_and_outer_le(ne: int, extended: bool, do97: str | None, why: str) -> None:
    host, card = pair("aes128")
    protected = host.protect(Command(0x00, 0xB0, 0, 0, ne=ne))
    assert protected.is_extended is extended
    assert protected.encode()[-2 if extended else -1 :] == bytes(2 if extended else 1)  # Le 00
    if do97 is None:
        assert b"\x97" not in protected.data[:1]
    else:
        assert h(do97) in protected.data
    assert card.unwrap(protected).ne == ne


def test_extended_when_protected_data_exceeds_255() -> None:
    host, card = pair("3des")
    data = bytes(range(256)) * 4
    protected = host.protect(Command(0x00, 0xD6, 0, 0, data))
    assert protected.is_extended and protected.encode()[-2:] == b"\x00\x00"
    assert card.unwrap(protected).data == data


@pytest.mark.parametrize(
    ("ins", "mode", "tag"),
    [
        (0xD6, SmMode.COMBINED, 0x87),
        (0xD7, SmMode.COMBINED, 0x85),
        (0xD6, SmMode.AUTHENTIC, 0x81),
        (0xD7, SmMode.AUTHENTIC, 0xB3),
    ],
)
def test_data_object_by_mode_and_ins_parity(ins: int, mode: SmMode, tag: int) -> None:
    host, card = pair("aes128", mode)
    data = b"\x54\x02\x80\x00"
    protected = host.protect(Command(0x00, ins, 0, 0, data))
    assert protected.data[0] == tag
    assert (data in protected.data) is (mode is SmMode.AUTHENTIC)
    assert card.unwrap(protected).data == data
    wrapped = card.wrap(Response(b"\x53\x01\xff"))
    assert wrapped.data[0] == tag
    assert host.unprotect(wrapped) == Response(b"\x53\x01\xff")


@pytest.mark.parametrize("cla", [0x00, 0x01, 0x02, 0x03, 0x80, 0x83])
def test_cla_sm_bits_keep_the_channel(cla: int) -> None:
    host, card = pair("3des")
    protected = host.protect(Command(cla, 0xB0, 0, 0, ne=4))
    assert protected.cla & 0x03 == cla & 0x03
    assert card.handles(protected)
    assert card.unwrap(protected).cla == cla


@pytest.mark.parametrize("cla", [0x40, 0x4F, 0xC0, 0x0C, 0x20])
def test_refuses_channels_above_3_and_protected_or_reserved_classes(cla: int) -> None:
    host = pair("3des")[0]
    with pytest.raises(UsageError):
        host.protect(Command(cla, 0xB0, 0, 0, ne=4))
    assert host.active


def test_ssc_wraps_at_full_width() -> None:
    host, card = pair("3des", ssc=b"\xff" * 8)
    card.unwrap(host.protect(Command(0x00, 0xB0, ne=1)))
    assert host.ssc == card.ssc == bytes(8)
    card.wrap(Response())
    assert card.ssc == (1).to_bytes(8, "big")


def test_ssc_width_must_match_suite() -> None:
    with pytest.raises(UsageError):
        IsoSmHost(make_test_suite("aes128"), bytes(8))
    with pytest.raises(UsageError):
        make_suite("des", bytes(16), bytes(16))
    with pytest.raises(UsageError):
        make_suite("aes192", bytes(16), bytes(16))


@pytest.mark.parametrize(
    ("name", "key_length", "expected"),
    [
        (SuiteName.TDES, 16, "3des"),
        ("3des", 16, "3des"),
        (SuiteName.AES, 24, "aes192"),
        (SuiteName.AES256, 32, "aes256"),
        ("aes", 32, "aes256"),
    ],
)
def test_suites_by_enum_or_string(name: SuiteName | str, key_length: int, expected: str) -> None:
    assert make_suite(name, bytes(key_length), bytes(key_length)).name == expected


def test_a_sized_suite_name_must_match_the_key() -> None:
    with pytest.raises(UsageError, match="suite aes256 does not match a 16-byte key"):
        make_suite(SuiteName.AES256, bytes(16), bytes(16))


def test_error_responses_are_protected_and_counted() -> None:
    host, card = pair("aes128")
    card.unwrap(host.protect(Command(0x00, 0xB0, 0, 0, ne=4)))
    wrapped = card.wrap(Response(sw=0x6A82))
    assert wrapped.sw == 0x6A82 and wrapped.data[:4] == h("99026A82")
    assert host.unprotect(wrapped) == Response(sw=0x6A82)
    assert host.ssc == card.ssc == (2).to_bytes(16, "big")


def test_plain_status_word_ends_the_host_session() -> None:
    host = pair("3des")[0]
    host.protect(Command(0x00, 0xB0, 0, 0, ne=4))
    with pytest.raises(SecureChannelError) as info:
        host.unprotect(Response(sw=0x6988))
    assert info.value.card_sw == 0x6987
    assert not host.active
    with pytest.raises(SessionClosedError):
        host.protect(Command(0x00, 0xB0, 0, 0, ne=4))


def _resealed(card_objects: bytes, host: IsoSmHost, card: IsoSmCard) -> Response:
    """A response whose MAC is valid but whose objects are ``card_objects`` (built with the
    card's own MAC function so only the structure is wrong)."""
    counter = card._next_counter()
    suite = card._require()
    body = card._seal(suite, counter, b"", card_objects)
    card._commit()
    return Response(body, 0x9000)


BAD_RESPONSES = [
    ("9902900099", 0x6988, "not BER-TLV"),
    ("8A010099029000", 0x6988, "unknown object"),
    ("9902900099029000", 0x6988, "duplicate DO99"),
    ("99029000870901" + "00" * 8, 0x6988, "data after DO99"),
    ("", 0x6987, "DO99 missing"),
    ("990190", 0x6988, "DO99 of one byte"),
    ("870902" + "00" * 8 + "99029000", 0x6988, "padding indicator 02"),
    ("870501" + "00" * 4 + "99029000", 0x6988, "cryptogram not whole blocks"),
]


@pytest.mark.parametrize(("objects", "sw", "why"), BAD_RESPONSES, ids=[c[2] for c in BAD_RESPONSES])
def test_rejects_malformed_responses_with_a_valid_mac(objects: str, sw: int, why: str) -> None:
    host, card = pair("3des")
    card.unwrap(host.protect(Command(0x00, 0xB0, 0, 0, ne=4)))
    raw = bytes.fromhex(objects)
    with pytest.raises(SecureChannelError) as info:
        host.unprotect(_resealed(raw, host, card))
    assert info.value.card_sw == sw
    assert not host.active


def test_bad_padding_after_decryption_is_rejected() -> None:
    host, card = pair("3des")
    card.unwrap(host.protect(Command(0x00, 0xB0, 0, 0, ne=4)))
    suite = make_test_suite("3des")
    counter = card._next_counter()
    cryptogram = suite.encrypt(counter, b"\x01\x02\x03\x04\x05\x06\x07\x08")  # no 80 marker
    objects = b"\x87\x09\x01" + cryptogram + h("99029000")
    body = card._seal(card._require(), counter, b"", objects)
    card._commit()
    with pytest.raises(SecureChannelError, match="padding"):
        host.unprotect(Response(body, 0x9000))


def test_trailing_bytes_after_mac_are_rejected() -> None:
    host, card = pair("aes128")
    card.unwrap(host.protect(Command(0x00, 0xB0, 0, 0, ne=4)))
    wrapped = card.wrap(Response(b"abcd"))
    with pytest.raises(SecureChannelError):
        host.unprotect(Response(wrapped.data + b"\x00", wrapped.sw))


def test_outer_status_word_must_match_do99() -> None:
    host, card = pair("aes128")
    card.unwrap(host.protect(Command(0x00, 0xB0, 0, 0, ne=4)))
    wrapped = card.wrap(Response(b"abcd"))
    with pytest.raises(SecureChannelError):
        host.unprotect(Response(wrapped.data, 0x6282))


def test_card_rejects_wrong_mac_with_6988_and_closes() -> None:
    host, card = pair("3des")
    protected = host.protect(Command(0x00, 0xB0, 0, 0, ne=4))
    tampered = protected.replace(data=protected.data[:-1] + bytes([protected.data[-1] ^ 1]))
    with pytest.raises(MacError) as info:
        card.unwrap(tampered)
    assert info.value.card_sw == 0x6988
    assert not card.active
    with pytest.raises(SessionClosedError):
        card.wrap(Response())


def test_card_missing_mac_is_6987() -> None:
    card = pair("3des")[1]
    with pytest.raises(SecureChannelError) as info:
        card.unwrap(Command(0x0C, 0xB0, 0, 0, h("970104"), ne=256))
    assert info.value.card_sw == 0x6987


def test_handles_only_commands_with_sm_bits() -> None:
    card = pair("3des")[1]
    assert card.handles(Command(0x0C, 0xB0))
    assert not card.handles(Command(0x00, 0xB0))


def test_close_drops_keys_and_repr_hides_them() -> None:
    host = IsoSmHost(TdesSuite(h(D3["ks_enc"]), h(D3["ks_mac"])), h(D3["ssc"]))
    text = repr(host) + repr(host._suite)
    assert D3["ks_enc"].lower() not in text.lower() and D3["ks_mac"].lower() not in text.lower()
    host.close()
    assert not host.active and host._suite is None
    with pytest.raises(SessionClosedError):
        host.unprotect(Response(sw=0x9000))


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(SUITES),
    mode=st.sampled_from(list(SmMode)),
    cla=st.sampled_from([0x00, 0x01, 0x02, 0x03, 0x10]),
    ins=st.integers(0, 255).filter(lambda i: i & 0xF0 not in (0x60, 0x90)),
    data=st.binary(max_size=300),
    ne=st.integers(0, 65536),
    reply=st.binary(max_size=300),
    sw=st.sampled_from([0x9000, 0x6282, 0x6A82, 0x6982]),
)
def test_host_card_round_trip(
    name: str, mode: SmMode, cla: int, ins: int, data: bytes, ne: int, reply: bytes, sw: int
) -> None:
    host, card = pair(name, mode)
    command = Command(cla, ins, 0x12, 0x34, data, ne)
    unwrapped = card.unwrap(host.protect(command))
    assert (unwrapped.cla, unwrapped.ins, unwrapped.data, unwrapped.ne) == (cla, ins, data, ne)
    assert host.unprotect(card.wrap(Response(reply, sw))) == Response(reply, sw)


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(min_size=4, max_size=80))
def test_any_command_bytes_unwrap_or_secure_channel_error(raw: bytes) -> None:
    card = icao_card()
    try:
        command = Command.decode(raw)
    except ValueError:
        return
    try:
        card.unwrap(command)
    except SecureChannelError as exc:
        assert exc.card_sw in (0x6987, 0x6988)
        assert not card.active


# --- the SM data objects are read by tlv.parse, the one BER-TLV reader --------------------------
# A body that is not strict BER-TLV (ISO/IEC 7816-4:2020 6.3) ends the session with 6988 and the
# reader's own message, on both sides, before the MAC is checked. The messages below are the ones
# the codec gave with its former private reader (checked on that code), so nothing changed.

NOT_BER_TLV = "secure messaging objects are not valid BER-TLV: "
MALFORMED_BODIES = [
    ("85817F" + "22" * 0x7F, "non-minimal length 817F for 127 bytes after tag 85 (at offset 1)"),
    ("858200FF" + "33" * 255, "non-minimal length 8200FF for 255 bytes after tag 85 (at offset 1)"),
    ("858300000144", "non-minimal length 83000001 for 1 bytes after tag 85 (at offset 1)"),
    (
        "00990290008E08" + "00" * 8,
        "byte 00 where a tag was expected (padding is only accepted when not strict) (at offset 0)",
    ),
    ("8E08" + "11" * 7, "tag 8E announces 8 value bytes, only 7 remain (at offset 1)"),
    ("8E", "tag 8E has no length field (at offset 1)"),
    ("8E81", "length field of tag 8E is cut short (at offset 1)"),
    ("8E80", "indefinite length 80 after tag 8E (at offset 1)"),
    ("8E850000000008", "length field 85: at most 4 length bytes (at offset 1)"),
    ("9F8F", "tag 9F8F is cut short (at offset 0)"),
    (
        "99029000" + "8E08" + "00" * 8 + "FF",
        "byte FF where a tag was expected (padding is only accepted when not strict) "
        "(at offset 14)",
    ),
]


def _unprotect_outcome(body: bytes) -> SecureChannelError:
    host = icao_host()
    host.protect(Command(0x00, 0xB0, 0, 0, ne=4))
    with pytest.raises(SecureChannelError) as info:
        host.unprotect(Response(body, 0x9000))
    assert not host.active
    return info.value


def _unwrap_outcome(body: bytes) -> SecureChannelError:
    card = icao_card()
    with pytest.raises(SecureChannelError) as info:
        card.unwrap(Command(0x0C, 0xB0, 0, 0, body, 256))
    assert not card.active
    return info.value


@pytest.mark.parametrize(("body", "problem"), MALFORMED_BODIES)
@pytest.mark.parametrize("side", [_unprotect_outcome, _unwrap_outcome], ids=["host", "card"])
def test_malformed_sm_objects_end_the_session_with_the_reader_message(
    body: str, problem: str, side: Callable[[bytes], SecureChannelError]
) -> None:
    error = side(bytes.fromhex(body))
    assert type(error) is SecureChannelError
    assert error.card_sw == 0x6988
    assert str(error) == NOT_BER_TLV + problem


@pytest.mark.parametrize(
    ("body", "error_type", "card_sw"),
    [
        ("5F1F0141", SecureChannelError, 0x6987),  # a two-byte tag parses; no DO8E
        ("858180" + "22" * 0x80 + "8E08" + "00" * 8, MacError, 0x6988),  # shortest 81 80
        ("8582" + "0100" + "33" * 0x100 + "8E08" + "00" * 8, MacError, 0x6988),  # 82 0100
    ],
)
def test_well_formed_sm_objects_reach_the_mac_check(
    body: str, error_type: type[SecureChannelError], card_sw: int
) -> None:
    error = _unprotect_outcome(bytes.fromhex(body))
    assert type(error) is error_type and error.card_sw == card_sw
    assert NOT_BER_TLV not in str(error)


# One-byte SM-shaped tags: not 00/FF padding, b5-b1 not 11111 (multi-byte tag).
one_byte_tags = st.integers(0x01, 0xFE).filter(lambda tag: tag & 0x1F != 0x1F)
sm_objects = st.lists(
    st.tuples(one_byte_tags, st.binary(max_size=300)).map(lambda o: tlv.tlv(o[0], o[1])),
    max_size=4,
).map(b"".join)


@settings(max_examples=300)
@given(
    body=st.one_of(
        st.binary(min_size=1, max_size=64),
        st.tuples(sm_objects, st.integers(0, 2000), st.binary(max_size=4)).map(
            lambda t: t[0][: t[1] % (len(t[0]) + 1)] + t[2]
        ),
    )
)
def test_sm_objects_are_judged_by_the_ber_tlv_reader(body: bytes) -> None:
    try:
        tlv.parse(body)
        expected = None
    except DecodeError as exc:
        expected = NOT_BER_TLV + str(exc)
    error = _unprotect_outcome(body)
    if expected is None:
        assert NOT_BER_TLV not in str(error)
    else:
        assert str(error) == expected and error.card_sw == 0x6988
