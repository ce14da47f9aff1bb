"""``cardwire demo``: the main job on the built-in simulated card, no hardware needed.

The demo is a list of sections run in order on one card session; each section is a function
taking the :class:`DemoRun`. Later features (BAC, SCP03, Keycard, PACE) add their own section
with :func:`demo_section`. Every exchange on the wire is shown under the step that caused it:
command, response, status word and its meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click
from rich.console import Console

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.channels import Channel
from cardwire.cli.app import cli
from cardwire.cli.output import console as make_console
from cardwire.cli.target import trace_option
from cardwire.errors import DecodeError
from cardwire.hexutil import to_hex
from cardwire.ins import carries_secret
from cardwire.sim import open_card
from cardwire.sw import meaning
from cardwire.trace.recorder import TraceEntry, TraceRecorder

DEMO_APP_1 = bytes.fromhex("F0636172647769726501")  # "cardwire demo application 1" (DF 5000)
DEMO_APP_2 = bytes.fromhex("F0636172647769726502")  # "cardwire demo application 2" (DF 6000)
DEMO_PIN = "1234"  # the simulated card's default PIN 01 (README, "Default secrets")
WRONG_PIN = "0000"
PIN_REFERENCE = 0x01
SHOWN_DATA = 24  # bytes of response data shown per row
_WARNINGS = ("61", "62", "63")  # normal-with-info and warning SW1 (ISO/IEC 7816-4 5.6)


def _printable(data: bytes) -> str | None:
    text = data.decode("ascii", errors="replace")
    return text if data and all(0x20 <= b < 0x7F for b in data) else None


def describe_command(raw: bytes, show_keys: bool = False) -> tuple[str, str]:
    """(name, hex) of a command on the wire, with secret data masked."""
    try:
        command = Command.decode(raw)
    except DecodeError:
        return "?", to_hex(raw)
    name = command.name or f"INS {command.ins:02X}"
    # secret data (PINs, PUKs, keys: cardwire.ins.carries_secret) masked unless --show-keys
    if command.data and carries_secret(command.cla, command.ins) and not show_keys:
        masked = command.replace(data=b"")
        return name, f"{to_hex(masked.header)} [{command.nc} secret bytes hidden]"
    return name, to_hex(raw)


def describe_response(raw: bytes) -> tuple[str, str, str]:
    """(data hex, SW hex, meaning) of a response on the wire."""
    try:
        response = Response.decode(raw)
    except DecodeError:
        return to_hex(raw), "?", "not a response APDU"
    data = to_hex(response.data[:SHOWN_DATA])
    if len(response.data) > SHOWN_DATA:
        data += f"… ({len(response.data)} bytes)"
    return data, f"{response.sw:04X}", meaning(response.sw)


@dataclass
class DemoRun:
    """What a demo section works with: the card, its channels and the output."""

    card: Card
    recorder: TraceRecorder
    out: Console
    show_keys: bool = False
    channels: dict[str, Channel] = field(default_factory=dict)
    _pending: list[TraceEntry] = field(default_factory=list)
    _steps: int = 0

    def __post_init__(self) -> None:
        self.recorder.subscribe(self._pending.append)

    def section(self, title: str) -> None:
        self.out.rule(f"[bold]{title}")

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Group the exchanges made inside the block under a numbered title."""
        self._steps += 1
        self._pending.clear()
        self.out.print(f"\n[bold cyan]{self._steps}. {title}[/]")
        try:
            yield
        finally:
            self._show_exchanges()

    def _show_exchanges(self) -> None:
        for entry in self._pending:
            name, command = describe_command(entry.command, self.show_keys)
            data, sw, text = describe_response(entry.response)
            style = "green" if sw == "9000" else ("yellow" if sw[:2] in _WARNINGS else "red")
            self.out.print(f"   [dim]>[/] {name:<15} {command}", highlight=False)
            shown = f"{data}  " if data else ""
            self.out.print(f"   [dim]<[/] {shown}[{style}]{sw}[/] [dim]{text}[/]", highlight=False)
        self._pending.clear()

    def result(self, label: str, value: bytes | str) -> None:
        if isinstance(value, bytes):
            text = _printable(value)
            value = f'"{text}"' if text is not None else to_hex(value)
        self.out.print(f"   [bold]→ {label}:[/] {value}")


DemoSection = Callable[[DemoRun], None]
SECTIONS: list[DemoSection] = []


def demo_section(function: DemoSection) -> DemoSection:
    """Register ``function`` as the next demo section."""
    SECTIONS.append(function)
    return function


@demo_section
def logical_channels_and_files(run: DemoRun) -> None:
    """Two applications on two logical channels, a PIN, transparent and record files."""
    run.section("Logical channels, PIN and files (ISO/IEC 7816-4)")
    card = run.card
    with run.step("Open a second logical channel (MANAGE CHANNEL, card-assigned number)"):
        other = card.open_channel()
        run.channels["other"] = other
    run.result("opened channel", str(other.number))
    with run.step("Select demo application 1 on channel 0 by its DF name"):
        card.select(DEMO_APP_1)
    with run.step(f"Select demo application 2 on channel {other.number} by its DF name"):
        other.select(DEMO_APP_2)
    with run.step("Verify the PIN: a wrong one first (63Cx: tries left), then the right one"):
        wrong = card.verify(PIN_REFERENCE, WRONG_PIN, check=False)
        card.verify(PIN_REFERENCE, DEMO_PIN)
    run.result("wrong PIN answered", f"{wrong.sw:04X} ({meaning(wrong.sw)})")
    with run.step("Read EF 5001 (transparent, free to read)"):
        card.select(bytes.fromhex("5001"))
        data = card.read_file()
    run.result("EF 5001", data)
    with run.step("Read EF 5003 by its short EF identifier 3 (needs the PIN)"):
        data = card.read_file(sfi=3)
    run.result("EF 5003", data)
    with run.step("Read record 2 of EF 5002 (linear fixed, short EF identifier 2)"):
        data = card.read_record(2, sfi=2)
    run.result("record 2", data)
    with run.step(f"Read EF 6001 of application 2 on channel {other.number}"):
        other.select(bytes.fromhex("6001"))
        data = other.read_file()
    run.result("EF 6001", data)
    with run.step(f"Close channel {other.number} (MANAGE CHANNEL close)"):
        other.close()


@cli.command()
@trace_option("--trace-file")
@click.option("--show-keys", is_flag=True, help="Show PINs and keys in the output.")
def demo(trace: Path | None, show_keys: bool) -> None:
    """Run the main job on the built-in simulated card: no reader needed.

    Opens a second logical channel, selects a demo application on each, verifies the PIN
    (showing the wrong-PIN counter), reads transparent and record files, and shows every
    command and response with the meaning of its status word.

    \b
    Example:
      cardwire demo
      cardwire demo --trace demo.trace
    """
    # The protocols' sections register themselves on import, in this order.
    from cardwire.cli import demo_bac, demo_keycard, demo_pace, demo_scp03  # noqa: F401

    out = make_console()
    with open_card(trace=True) as card:
        assert card.trace is not None
        run = DemoRun(card, card.trace, out, show_keys=show_keys)
        out.print(f"[bold]cardwire demo[/] on the {card.transport.name}, ATR {to_hex(card.atr)}")
        try:
            for section in SECTIONS:
                section(run)
        finally:
            if trace is not None:
                trace.write_text(card.trace.text(), encoding="utf-8")
    out.print("\n[bold green]demo finished[/]")
