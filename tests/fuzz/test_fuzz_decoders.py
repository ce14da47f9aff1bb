"""Every decoder of cardwire under one property: any input gives a value or a typed cardwire
error, never another exception.

The per-module tests already feed plain random bytes to several decoders one by one; this file
runs every decoder (including the handshake-answer decoders of the secure protocols) behind the
same property so that the long campaign (``make fuzz``) drives them all, and it adds inputs
shaped like the real thing (valid objects with bytes flipped, cut or appended), which reach far
deeper than random bytes.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Callable

import pytest
from fuzz_budget import count, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from cardwire import sw, tlv
from cardwire.apdu import Command, Response
from cardwire.atr import Atr, decode_historical, parse_compact
from cardwire.card import binary_data
from cardwire.channels import assigned_channel
from cardwire.cla import parse_cla
from cardwire.cli import tlv_view
from cardwire.crypto.secp256k1 import check_public_key, verify_digest
from cardwire.errors import CardwireError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.scripting.grammar import parse_script
from cardwire.sim.card import SimCard
from cardwire.sim.vpcd import FrameDecoder, encode_frame, parse_payload
from cardwire.sm.keycard import ApplicationInfo, Pairing
from cardwire.sm.scp03 import InitializeUpdateResponse
from cardwire.trace.decode import decode_trace
from cardwire.trace.text import parse as parse_any_trace


def _command(data: bytes) -> object:
    command = Command.decode(data)
    return command.encode(), command.case, repr(command)


def _response(data: bytes) -> object:
    response = Response.decode(data)
    return response.encode(), repr(response)


def _cla(data: bytes) -> object:
    return [parse_cla(byte) for byte in data[:4]]


def _ber_tlv(data: bytes) -> object:
    out: list[object] = []
    for strict in (True, False):
        nodes = tlv.parse(data, strict=strict, deep=True)
        out += [tlv_view.render(nodes), json.dumps(tlv_view.to_json(nodes)), list(tlv.walk(nodes))]
    return out


def _simple_tlv(data: bytes) -> object:
    return tlv.parse_simple(data)


def _compact_tlv(data: bytes) -> object:
    return parse_compact(data)


def _atr(data: bytes) -> object:
    return json.dumps(Atr.parse(data).to_json())


def _historical(data: bytes) -> object:
    return decode_historical(data)


def _status_word(data: bytes) -> object:
    value = int.from_bytes(data[:2].rjust(2, b"\x00"), "big")
    answers: list[object] = [sw.meaning(value), sw.is_valid(value), sw.more_data(value)]
    answers += [sw.retries_left(value), sw.correct_le(value)]
    try:
        sw.check(value)
    except CardwireError as error:  # StatusError: the card said no, a typed error
        answers.append(error)
    return answers


def _vpcd(data: bytes) -> object:
    decoder = FrameDecoder()
    cut = data[0] % (len(data) + 1) if data else 0
    frames = decoder.feed(data[:cut]) + decoder.feed(data[cut:])
    return [parse_payload(payload) for payload in frames], decoder.needed()


def _trace_formats(data: bytes) -> object:
    trace = parse_any_trace(data.decode("latin-1"))
    return [repr(item) for item in decode_trace(trace)]


def _hex_text(data: bytes) -> object:
    return parse_hex(data.decode("latin-1"))


def _script(data: bytes) -> object:
    return parse_script(data.decode("utf-8", "replace")).statements


def _pairing_text(data: bytes) -> object:
    return Pairing.parse(data.decode("latin-1"))


def _keycard_select_answer(data: bytes) -> object:
    return ApplicationInfo.decode(data)


def _scp03_initialize_update_answer(data: bytes) -> object:
    return InitializeUpdateResponse.decode(data)


def _manage_channel_answer(data: bytes) -> object:
    return assigned_channel(Response(data))


def _read_binary_b1_answer(data: bytes) -> object:
    return binary_data(Command(0x00, 0xB1, 0, 0, b"\x54\x02\x80\x00", 256), Response(data))


def _ec_public_key(data: bytes) -> object:
    return check_public_key(data)


def _ec_signature(data: bytes) -> object:
    verify_digest(_GENERATOR, bytes(32), data)
    return None


# secp256k1 generator G, uncompressed (SEC 2 v2.0 2.4.1): a valid public key to verify against.
_GENERATOR = bytes.fromhex(
    "04"
    "79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798"
    "483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8"
)

DECODERS: dict[str, Callable[[bytes], object]] = {
    "apdu.Command.decode": _command,
    "apdu.Response.decode": _response,
    "cla.parse_cla": _cla,
    "tlv.parse (BER-TLV, strict and lenient, deep, render, json)": _ber_tlv,
    "tlv.parse_simple": _simple_tlv,
    "atr.parse_compact": _compact_tlv,
    "atr.Atr.parse": _atr,
    "atr.decode_historical": _historical,
    "sw helpers": _status_word,
    "sim.vpcd frames": _vpcd,
    "trace.parse + decode_trace (cardwire, scriptor, pcscd -a)": _trace_formats,
    "hexutil.parse_hex": _hex_text,
    "scripting.parse_script (variables bounded)": _script,
    "sm.keycard.Pairing.parse": _pairing_text,
    "sm.keycard.ApplicationInfo.decode": _keycard_select_answer,
    "sm.scp03.InitializeUpdateResponse.decode": _scp03_initialize_update_answer,
    "channels.assigned_channel": _manage_channel_answer,
    "card.binary_data (READ BINARY B1)": _read_binary_b1_answer,
    "crypto.check_public_key": _ec_public_key,
    "crypto.verify_digest": _ec_signature,
}

_DEEP_TLV = b""
for _ in range(1200):
    _DEEP_TLV = tlv.tlv(0x30, _DEEP_TLV)

# Valid inputs of each decoder: the mutations below start from these.
SEEDS: dict[str, list[bytes]] = {
    "apdu.Command.decode": [
        bytes.fromhex("00A4040C0AF0636172647769726501"),
        bytes.fromhex("00B0000000FFFF"),
        bytes.fromhex("00D6000000000401020304"),
    ],
    "apdu.Response.decode": [bytes.fromhex("6A82"), bytes.fromhex("0102039000")],
    "cla.parse_cla": [bytes((0x00, 0x0C, 0x13, 0x40, 0x84))],
    "tlv.parse (BER-TLV, strict and lenient, deep, render, json)": [
        bytes.fromhex("6F108408A000000151000000A5049F6501FF"),
        bytes.fromhex("7F2181C85F2901009F5F1E0102"),
        _DEEP_TLV,  # issue 15: 1,200 levels, mutations cut and bend it at every depth
    ],
    "tlv.parse_simple": [bytes.fromhex("0103AABBCC02FF0003") + b"\x00" * 3],
    "atr.parse_compact": [bytes.fromhex("3180730000040000829000")],
    "atr.Atr.parse": [SimCard().atr, bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")],
    "atr.decode_historical": [bytes.fromhex("0073FE21C7059000")],
    "sim.vpcd frames": [encode_frame(b"\x04") + encode_frame(bytes.fromhex("00A4040000"))],
    "trace.parse + decode_trace (cardwire, scriptor, pcscd -a)": [
        b"# atr: 3B00\n> 00A4040C0AF0636172647769726501\n< 9000 : ok\n# reset\n"
        b"> 0084000008\n< 0102030405060708 9000\n",
        b"Using given card reader: Virtual PCD 00 00\n> RESET\n< OK: 3B00\n"
        b"> 00 A4 04 00 07 A0 00 00 02 47 10 01\n< 90 00 : Normal processing.\n",
        b"00000011 APDU: 00 A4 04 0C 07 A0 00 00 02 47 10 01\n00000004 SW: 6A 82\n"
        b"00000009 APDU: 00 B0 00 00 04\n00000002 SW: 01 02 03 04 90 00\n",
    ],
    "hexutil.parse_hex": [b"00 a4:04 0C"],
    "scripting.parse_script (variables bounded)": [
        b"set A 00A4\n" + b"set A ${A}${A}\n" * 20 + b"${A}0000 expect 9000\n",  # issue 15
        b"set P 0020000106\n${P}313233343536\nopen-channel\nchannel 1\nreset\n",
    ],
    "sm.keycard.Pairing.parse": [b"1:" + b"AB" * 32],
    "sm.scp03.InitializeUpdateResponse.decode": [
        bytes(10) + bytes.fromhex("3003") + bytes(8) + bytes(8),
    ],
    "card.binary_data (READ BINARY B1)": [bytes.fromhex("5303414243")],
    "crypto.check_public_key": [_GENERATOR],
}


def _mutate(seed: bytes, choices: random.Random) -> bytes:
    """One to four random edits of ``seed``: flip a bit, cut, duplicate, insert or set a byte."""
    data = bytearray(seed)
    for _ in range(choices.randint(1, 4)):
        position = choices.randrange(len(data) + 1)
        action = choices.randrange(5)
        if action == 0 and data:
            data[position % len(data)] ^= 1 << choices.randrange(8)
        elif action == 1:
            del data[position:]
        elif action == 2:
            data[position:position] = data[position : position + choices.randint(1, 8)]
        elif action == 3:
            data.insert(position, choices.randrange(256))
        elif data:
            data[position % len(data)] = choices.choice((0x00, 0x7F, 0x80, 0x81, 0x82, 0xFF))
    return bytes(data)


def _value_or_typed_error(name: str, data: bytes) -> None:
    count(name)
    with contextlib.suppress(CardwireError):  # a typed error: the property holds
        DECODERS[name](data)


@pytest.mark.parametrize("name", sorted(DECODERS))
@fuzz_settings(60)
@given(data=st.binary(max_size=300))
def test_any_bytes_give_a_value_or_a_typed_error(name: str, data: bytes) -> None:
    _value_or_typed_error(name, data)


@pytest.mark.parametrize("name", sorted(SEEDS))
@fuzz_settings(80)
@given(seed_index=st.integers(0, 7), mutation=st.randoms(use_true_random=False))
def test_damaged_valid_input_gives_a_value_or_a_typed_error(
    name: str, seed_index: int, mutation: random.Random
) -> None:
    seeds = SEEDS[name]
    _value_or_typed_error(name, _mutate(seeds[seed_index % len(seeds)], mutation))


@fuzz_settings(60)
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(["> ", "< ", "# atr: ", "# reader: ", "#", "", "? "]),
            st.binary(max_size=12),
            st.sampled_from(["", " ", ":", "zz", "0"]),
        ),
        max_size=8,
    )
)
def test_trace_shaped_text_gives_a_trace_or_a_decode_error(
    lines: list[tuple[str, bytes, str]],
) -> None:
    text = "\n".join(marker + to_hex(payload) + tail for marker, payload, tail in lines)
    _value_or_typed_error(
        "trace.parse + decode_trace (cardwire, scriptor, pcscd -a)", text.encode("latin-1")
    )
