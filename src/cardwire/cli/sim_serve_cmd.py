"""``cardwire sim serve``: the simulated card as a reader in pcscd, through vsmartcard's vpcd."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from cardwire.cli.sim_cmd import sim
from cardwire.cli.target import profile_option, state_option
from cardwire.errors import UsageError
from cardwire.sim.vpcd import DEFAULT_HOST, DEFAULT_PORT
from cardwire.sim.vpcd_client import VpcdClient

if TYPE_CHECKING:
    from cardwire.sim.card import SimCard

_MAX_SLOTS = 16


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``HOST`` alone: the default port) -> (host, port)."""
    host, colon, port_text = text.rpartition(":")
    if not colon:
        return text, DEFAULT_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 0x10000:
        raise UsageError(f"--vpcd: {port_text!r} is not a TCP port (expected HOST:PORT)")
    return host.strip("[]") or DEFAULT_HOST, int(port_text)


def slot_state_path(state: Path | None, slot: int) -> Path | None:
    """Slot 0 keeps the state file it was given; slot i uses ``NAME.slotI.EXT`` beside it."""
    if state is None or slot == 0:
        return state
    return state.with_name(f"{state.stem}.slot{slot}{state.suffix}")


def _load_card(profile: Path | None, state: Path | None) -> SimCard:
    from cardwire.sim.card import SimCard

    return SimCard.from_files(profile, state)


@sim.command("serve")
@profile_option("Card profile (YAML); default: the built-in card.")
@state_option("Card state file, loaded at start and saved after every change and at exit.")
@click.option(
    "--vpcd",
    "address",
    default=f"{DEFAULT_HOST}:{DEFAULT_PORT}",
    show_default=True,
    help="Where vpcd listens (HOST:PORT of its first reader).",
)
@click.option(
    "--slots",
    type=click.IntRange(1, _MAX_SLOTS),
    default=1,
    show_default=True,
    help="Number of cards; card i is served to PORT+i (Debian's vpcd has two readers).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every exchange (PINs and keys redacted).")
def serve(
    profile: Path | None, state: Path | None, address: str, slots: int, verbose: bool
) -> None:
    """Connect simulated cards to vsmartcard's vpcd reader in pcscd, until Ctrl-C or SIGTERM.

    The card is the TCP client: it connects to vpcd, reconnects every 0.5 s after a drop,
    prints "waiting for vpcd at HOST:PORT" on stderr (once) while vpcd cannot be reached, and
    "connected HOST:PORT" once connected. On SIGINT or SIGTERM it saves the
    card state and exits 0.

    \b
    Example:
      pcscd --foreground --error &
      cardwire sim serve --state card.json
      opensc-tool -r 0 -a
    """
    host, port = parse_address(address)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    cards = [_load_card(profile, slot_state_path(state, slot)) for slot in range(slots)]

    def announce(where: str) -> None:
        click.echo(f"connected {where}: the card is in the vpcd reader", err=True)

    def waiting(where: str) -> None:
        click.echo(
            f"waiting for vpcd at {where} (is pcscd running with the vpcd driver?); "
            "retrying every 0.5 s",
            err=True,
        )

    clients = [
        VpcdClient(card, host, port + slot, on_connected=announce, on_waiting=waiting)
        for slot, card in enumerate(cards)
    ]
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    threads = [
        threading.Thread(target=client.run, name=f"vpcd-{client.address}", daemon=True)
        for client in clients
    ]
    try:
        for thread in threads:
            thread.start()
        while not done.wait(0.5):
            if not any(thread.is_alive() for thread in threads):
                break
    finally:
        for client in clients:
            client.stop()
        for thread in threads:
            thread.join(timeout=5)
        for card in cards:
            card.save()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
