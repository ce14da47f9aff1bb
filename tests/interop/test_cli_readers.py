"""The CLI's reader and card-state rules (issue 18) against the real pcscd + vpcd stack: the
default reader is the one holding a card, a secure command resets the card when it disconnects
(``--leave`` keeps it), ``--reset`` starts from a fresh ATR, ``readers --watch``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from benchmarks.pcsc_machine import CARDWIRE_CLI, SLOT1_READER, reader_names, start, stop

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

CLI_TIMEOUT = 60  # seconds for one cardwire run
SELECT_DEMO_1 = "00A4040C0AF0636172647769726501"
SCP03_KEYS = "404142434445464748494A4B4C4D4E4F"  # the simulated card's (docs/simulator.md)
GET_STATUS = "80F24002024F0000"  # GlobalPlatform GET STATUS, applications


def cardwire(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cardwire.cli import main; main()", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def sw_of(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0, done.stderr
    return [item["sw"] for item in json.loads(done.stdout)]


def test_without_reader_the_reader_holding_the_card_is_used(pcsc_stack: PcscStack) -> None:
    # Debian's vpcd shows two readers; only the stack's slot holds a card (before issue 18:
    # "2 readers are connected; choose one with --reader", exit 3)
    named = cardwire("send", "--reader", str(pcsc_stack.reader_index), "--json", GET_STATUS)
    default = cardwire("send", "--json", GET_STATUS)
    assert sw_of(default) == sw_of(named)


def scp03_then_plain(pcsc_stack: PcscStack, *options: str) -> list[str]:
    reader = str(pcsc_stack.reader_index)
    secure = cardwire(
        "scp03", "--keys", SCP03_KEYS, "send", "--reader", reader, *options, GET_STATUS
    )
    assert secure.returncode == 0, secure.stderr
    return sw_of(cardwire("send", "--reader", reader, "--json", GET_STATUS))


def test_a_secure_command_resets_the_card_when_it_disconnects(pcsc_stack: PcscStack) -> None:
    # the next program finds the card fresh: the plain GET STATUS gets the answer a card with
    # no session gives, as after a power-up
    fresh = sw_of(
        cardwire("send", "--reader", str(pcsc_stack.reader_index), "--reset", "--json", GET_STATUS)
    )
    assert scp03_then_plain(pcsc_stack) == fresh


def test_leave_keeps_the_session_on_the_card(pcsc_stack: PcscStack) -> None:
    reader = str(pcsc_stack.reader_index)
    fresh = sw_of(cardwire("send", "--reader", reader, "--reset", "--json", GET_STATUS))
    try:
        assert scp03_then_plain(pcsc_stack, "--leave") != fresh
    finally:
        cardwire("send", "--reader", reader, "--reset", SELECT_DEMO_1)


def test_reset_starts_from_a_fresh_atr(pcsc_stack: PcscStack) -> None:
    reader = str(pcsc_stack.reader_index)
    reader_args = ("--reader", reader)
    cardwire("scp03", "--keys", SCP03_KEYS, "send", *reader_args, "--leave", GET_STATUS)
    fresh = cardwire("send", *reader_args, "--reset", "--json", GET_STATUS)
    again = cardwire("send", *reader_args, "--reset", "--json", GET_STATUS)
    assert sw_of(fresh) == sw_of(again)


def test_readers_watch_reports_insert_and_remove_with_the_atr(
    pcsc_stack: PcscStack, tmp_path: Path
) -> None:
    from cardwire.sim.card import SimCard

    if SLOT1_READER not in (reader_names() or []):
        pytest.skip(f"vpcd lists no second reader {SLOT1_READER!r}")
    with subprocess.Popen(
        [*CARDWIRE_CLI, "readers", "--watch", "--json", "--count", "2", "--timeout", "50"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as watcher:
        assert watcher.stdout is not None and watcher.stderr is not None
        first = [json.loads(watcher.stdout.readline()) for _ in (0, 1)]  # the states first
        assert {e["reader"]: e["event"] for e in first}[SLOT1_READER] == "empty"
        with (tmp_path / "card.log").open("wb") as log:
            card = start([*CARDWIRE_CLI, "sim", "serve", "--vpcd", "127.0.0.1:35964"], log)
            try:
                inserted = json.loads(watcher.stdout.readline())
            finally:
                time.sleep(1)  # pcscd powers the card up; stopping it then is a removal
                stop(card)
        removed = json.loads(watcher.stdout.readline())
        assert watcher.wait(timeout=CLI_TIMEOUT) == 0, watcher.stderr.read()
    assert (inserted["event"], inserted["reader"]) == ("inserted", SLOT1_READER)
    assert inserted["atr"] == SimCard().atr.hex().upper()
    assert (removed["event"], removed["reader"], removed["atr"]) == ("removed", SLOT1_READER, None)
