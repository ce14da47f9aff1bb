"""``cardwire readers``: the PC/SC readers, whether each holds a card, and its ATR.

``--watch`` follows insertions and removals as pcsc-tools' ``pcsc_scan`` does: the state of
every reader first, then one event per change, with the ATR and the card names pcsc-tools'
``smartcard_list.txt`` gives for it (when installed). It polls the readers' states every
:data:`POLL_SECONDS`; ``--count N`` stops after N events, ``--timeout S`` after S seconds, else
it runs until Ctrl-C. With ``--json`` each line is one JSON object (JSON lines).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import click

from cardwire.cli.app import cli
from cardwire.cli.atr_names import card_names
from cardwire.cli.output import emit_json, json_option
from cardwire.errors import UsageError
from cardwire.hexutil import to_hex
from cardwire.transport.pcsc import ReaderInfo

POLL_SECONDS = 0.2
"""How often ``--watch`` reads the readers' states (pcsc_scan waits on the same states)."""


def _reader_event(event: str, info: ReaderInfo) -> dict[str, object]:
    atr = info.atr if info.card_present else b""
    return {
        "event": event,
        "index": info.index,
        "reader": info.name,
        "atr": to_hex(atr) if atr else None,
        "cards": list(card_names(atr)),
    }


def changes(before: dict[str, ReaderInfo], now: list[ReaderInfo]) -> list[dict[str, object]]:
    """The events between two readings of the readers (``before`` by name)."""
    events: list[dict[str, object]] = []
    current = {info.name: info for info in now}
    for name, old in before.items():
        if name not in current:
            events.append(_reader_event("reader-removed", old))
    for info in now:
        prior = before.get(info.name)
        if prior is None:
            events.append(_reader_event("reader-added", info))
            if info.card_present:
                events.append(_reader_event("inserted", info))
        elif info.card_present and (not prior.card_present or prior.atr != info.atr):
            events.append(_reader_event("inserted", info))
        elif prior.card_present and not info.card_present:
            events.append(_reader_event("removed", info))
    return events


def _event_lines(event: dict[str, object]) -> list[str]:
    what = {
        "present": "card present",
        "empty": "no card",
        "inserted": "card inserted",
        "removed": "card removed",
        "reader-added": "reader connected",
        "reader-removed": "reader disconnected",
    }[str(event["event"])]
    atr = f", ATR {event['atr']}" if event["atr"] and event["event"] != "reader-added" else ""
    lines = [f"{event['index']}: {event['reader']}: {what}{atr}"]
    cards = event["cards"] if event["event"] != "reader-added" else []
    assert isinstance(cards, list)
    lines.extend(f"    {name}" for name in cards)
    return lines


def follow(
    read: Callable[[], list[ReaderInfo]],
    show: Callable[[dict[str, object]], None],
    *,
    count: int | None,
    timeout: float | None,
) -> None:
    """Show the readers' states, then each change until ``count`` changes or ``timeout``."""
    first = read()
    for info in first:
        show(_reader_event("present" if info.card_present else "empty", info))
    before = {info.name: info for info in first}
    deadline = None if timeout is None else time.monotonic() + timeout
    seen = 0
    while count is None or seen < count:
        if deadline is not None and time.monotonic() >= deadline:
            return
        time.sleep(POLL_SECONDS)
        now = read()
        for event in changes(before, now):
            show(event)
            seen += 1
            if count is not None and seen >= count:
                return
        before = {info.name: info for info in now}


@cli.command("readers")
@json_option("Print one JSON document (JSON lines).")
@click.option("--watch", is_flag=True, help="Follow card insertions and removals (pcsc_scan).")
@click.option(
    "--count", type=click.IntRange(min=1), metavar="N", help="With --watch: stop after N events."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    metavar="S",
    help="With --watch: stop after S seconds.",
)
def readers(as_json: bool, watch: bool, count: int | None, timeout: float | None) -> None:
    """List the PC/SC readers, card presence and ATR; the index works with --reader.

    With --watch, print each reader's state, then every card insertion and removal with the
    ATR and the card's name from pcsc-tools' smartcard_list.txt (when installed), until
    Ctrl-C, --count N events or --timeout S seconds; with --json, one JSON object a line.

    \b
    Example:
      cardwire readers
      cardwire readers --json
      cardwire readers --watch --timeout 1
    """
    from cardwire.transport.pcsc import PcscContext, list_readers

    if watch:

        def show(event: dict[str, object]) -> None:
            if as_json:
                click.echo(json.dumps(event))
            else:
                for line in _event_lines(event):
                    click.echo(line)

        context = PcscContext()
        try:
            follow(context.readers, show, count=count, timeout=timeout)
        except KeyboardInterrupt:
            pass  # Ctrl-C ends the watch, as in pcsc_scan
        finally:
            context.close()
        return
    if count is not None or timeout is not None:
        raise UsageError("--count and --timeout go with --watch")
    found = list_readers()
    if as_json:
        emit_json(
            [
                {
                    "index": info.index,
                    "name": info.name,
                    "card_present": info.card_present,
                    "atr": to_hex(info.atr) if info.card_present else None,
                    "exclusive": info.exclusive,
                }
                for info in found
            ]
        )
        return
    if not found:
        click.echo("no reader connected", err=True)
        return
    for info in found:
        card = f"card {to_hex(info.atr)}" if info.card_present else "no card"
        in_use = " (in exclusive use)" if info.exclusive else ""
        click.echo(f"{info.index}: {info.name}: {card}{in_use}")
