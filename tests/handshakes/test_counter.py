"""open_counter over a Card and a Channel of the simulated card (seed 003 counter mode):
the GET CHALLENGE it sends, the session it returns, and what a refusal raises."""

from __future__ import annotations

import pytest

from cardwire import commands
from cardwire.apdu import Command
from cardwire.card import Card, CardCommands
from cardwire.commands import SelectReturn
from cardwire.errors import SecureChannelError, StatusError, UsageError
from cardwire.handshakes.counter import open_counter
from cardwire.sim import open_card
from cardwire.sim.card import SimCard
from cardwire.sm.iso7816 import CounterPlacement, SmMode, SuiteName
from cardwire.sw import SW
from cardwire.transport.memory import MemoryTransport

# The default profile's documented counter_sm keys (docs/simulator.md, defaults table).
KENC = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
KMAC = bytes.fromhex("8899AABBCCDDEEFF0011223344556677")
DEMO_1 = bytes.fromhex("F0636172647769726501")
SELECT_5007 = Command(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("5007"))
READ = Command(0x00, 0xB0, 0x00, 0x00, ne=29)
PROTECTED_TEXT = b"protected by secure messaging"  # EF 5007 of the default profile


def select_demo(card: CardCommands) -> None:
    card.send(commands.select_by_aid(DEMO_1, fci=SelectReturn.NONE))


def read_5007(card: CardCommands) -> bytes:
    card.send(SELECT_5007)
    return card.send(READ).data


@pytest.mark.parametrize("suite", [SuiteName.AES, SuiteName.AES128, "aes"])
def test_on_the_card_the_session_reads_ef_5007(suite: SuiteName | str) -> None:
    card = open_card(trace=True)
    select_demo(card)
    session = open_counter(card, suite=suite, kenc=KENC, kmac=KMAC)
    assert card.trace is not None
    get_challenge = card.trace.entries[-1]
    assert get_challenge.command == bytes.fromhex("0084000002")  # Le = width
    assert len(get_challenge.response) == 2 + 2
    card.secure(session)
    assert read_5007(card) == PROTECTED_TEXT


def test_on_a_channel_only_that_channel_is_protected() -> None:
    card = open_card()
    channel = card.open_channel()
    select_demo(channel)
    select_demo(card)
    channel.secure(open_counter(channel, suite="aes", kenc=KENC, kmac=KMAC))
    assert read_5007(channel) == PROTECTED_TEXT
    card.send(SELECT_5007)
    assert card.send(READ, check=False).sw == SW.SECURITY_STATUS_NOT_SATISFIED


def test_wrong_keys_fail_on_the_first_protected_command() -> None:
    card = open_card()
    select_demo(card)
    card.secure(open_counter(card, suite="aes", kenc=KMAC, kmac=KENC))
    with pytest.raises((SecureChannelError, StatusError)):
        read_5007(card)


def test_a_width_the_card_does_not_use_is_refused() -> None:
    card = open_card()
    select_demo(card)
    with pytest.raises(StatusError) as refused:
        open_counter(card, suite="aes", kenc=KENC, kmac=KMAC, width=3)
    assert refused.value.sw == SW.WRONG_LENGTH


def test_an_answer_of_the_wrong_length_is_a_secure_channel_error() -> None:
    class Padding(MemoryTransport):
        def transmit(self, apdu: bytes) -> bytes:
            answer = super().transmit(apdu)
            return b"\x00" + answer if apdu[1] == 0x84 else answer

    card = Card(Padding(SimCard()))
    select_demo(card)
    with pytest.raises(SecureChannelError):
        open_counter(card, suite="aes", kenc=KENC, kmac=KMAC)


@pytest.mark.parametrize(
    ("suite", "kenc", "placement", "mode"),
    [
        ("des", KENC, CounterPlacement.DATA_OBJECT, SmMode.COMBINED),
        ("aes", KENC[:5], CounterPlacement.DATA_OBJECT, SmMode.COMBINED),
        ("aes", KENC, CounterPlacement.PREFIX, SmMode.COMBINED),
    ],
)
def test_bad_parameters_are_usage_errors_before_anything_is_sent(
    suite: str, kenc: bytes, placement: CounterPlacement, mode: SmMode
) -> None:
    card = open_card(trace=True)
    with pytest.raises(UsageError):
        open_counter(card, suite=suite, kenc=kenc, kmac=KMAC, placement=placement, mode=mode)
    assert card.trace is not None
    assert not [e for e in card.trace.entries if e.command[1] == 0x84]
