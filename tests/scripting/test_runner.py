"""The script runner on the built-in simulated card: APDUs through the layers or raw,
expectations, channels, reset, and open/close through the functions it is given."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from cardwire.card import CardCommands
from cardwire.errors import UsageError
from cardwire.scripting.grammar import SendApdu, parse_script
from cardwire.scripting.runner import Outcome, ScriptRunner
from cardwire.sim import open_card

SELECT_DEMO_1 = "00A4040C0AF0636172647769726501"
SELECT_DEMO_2 = "00A4040C0AF0636172647769726502"
SELECT_ECHO = "00A4040C0AF0636172647769726503"


def run_all(runner: ScriptRunner, text: str, *, raw: bool = False) -> list[Outcome]:
    return [runner.run(statement) for statement in parse_script(text, raw=raw).statements]


def test_apdus_go_through_the_layers_and_expectations_are_judged() -> None:
    with open_card() as card:
        outcomes = run_all(
            ScriptRunner(card),
            f"{SELECT_ECHO} expect 9000\n"
            "0000000003414243 expect 9000 414243\n"  # 6103 + GET RESPONSE, by the layers
            "000000000341424301 expect 9000 414243\n"  # 6C03, re-sent by the layers
            "0000000003414243 expect 9000 4142\n"  # the whole data must match
            "00B0000000\n",  # no expectation: no verdict, whatever the card said
        )
    assert [o.expectation_met for o in outcomes] == [True, True, True, False, None]
    assert outcomes[1].lines == (
        "> 0000000003414243",
        "< 414243 9000",  # data and status word apart
        "    0000  41 42 43" + " " * 39 + "  ABC",  # hex+ASCII (issue 18)
        outcomes[1].lines[3],
    )
    assert outcomes[3].mismatch == "expected data matching 4142, received 414243"


def test_raw_sends_the_bytes_as_written() -> None:
    with open_card() as card:
        outcomes = run_all(
            ScriptRunner(card, raw=True),
            f"{SELECT_ECHO}\n0000000003414243 expect 61XX\n00A4040005AABB expect 6700\n",
            raw=True,
        )
    assert [o.expectation_met for o in outcomes] == [None, True, True]
    assert outcomes[1].response is not None
    assert outcomes[1].response.sw == 0x6103


def test_channels_and_reset() -> None:
    with open_card() as card:
        runner = ScriptRunner(card)
        outcomes = run_all(
            runner,
            "open-channel\n"
            "channel 1\n"
            f"{SELECT_DEMO_2} expect 9000\n"
            "00A4020C026001\n"
            "00B0000006 expect 9000 7365636F6E64\n"  # "second"
            "channel 0\n"
            "channel 1\n"
            "close-channel 1\n",
        )
        assert outcomes[0].lines == ("> open-channel", "< channel 1 open")
        assert outcomes[2].command == bytes.fromhex("01A4040C0AF0636172647769726502")
        assert outcomes[4].expectation_met is True
        assert runner.current == 0
        assert runner.channels == {}
        run_all(runner, "open-channel\nchannel 1\nreset\n")
        assert (runner.current, runner.channels) == (0, {})
    with open_card() as card, pytest.raises(UsageError, match="channel 2 is not open"):
        run_all(ScriptRunner(card), "channel 2")


def test_open_and_close_use_the_functions_given() -> None:
    calls: list[tuple[str, object]] = []

    def open_secure(card: CardCommands, words: Sequence[str]) -> object:
        calls.append(("open", (card.number, tuple(words))))
        return None

    def close_secure(card: CardCommands) -> None:
        calls.append(("close", card.number))

    with open_card() as card:
        hidden = ScriptRunner(card, open_secure=open_secure, close_secure=close_secure)
        outcomes = run_all(hidden, "open-channel\nchannel 1\nopen bac --mrz SECRET\nclose\n")
        shown = ScriptRunner(card, open_secure=open_secure, show_keys=True)
        (opened,) = run_all(shown, "open bac --mrz SECRET")
    assert calls == [
        ("open", (1, ("bac", "--mrz", "SECRET"))),
        ("close", 1),
        ("open", (0, ("bac", "--mrz", "SECRET"))),
    ]
    assert "SECRET" not in " ".join(outcomes[2].lines)
    assert opened.lines[0] == "> open bac --mrz SECRET"


def test_without_protocols_open_is_a_runtime_error() -> None:
    with open_card() as card, pytest.raises(UsageError, match="not available"):
        run_all(ScriptRunner(card), "open bac --mrz X")


def test_outcome_verdict_only_for_apdus_with_expect() -> None:
    (statement,) = parse_script(f"{SELECT_DEMO_1} expect 9000").statements
    assert isinstance(statement, SendApdu)
    assert Outcome(statement, mismatch="different").expectation_met is False
    (reset,) = parse_script("reset").statements
    assert Outcome(reset).expectation_met is None
