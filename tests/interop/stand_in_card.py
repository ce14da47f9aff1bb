"""Serves SimCard to vpcd without the CLI: conftest.py's one-line fallback while
``cardwire sim serve`` (which needs the ``sim`` click group) is not registered.

Usage: stand_in_card.py [--state FILE]. Exits 0 on SIGTERM/SIGINT after saving the state.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from cardwire.sim.card import SimCard
from cardwire.sim.vpcd import DEFAULT_HOST, DEFAULT_PORT
from cardwire.sim.vpcd_client import VpcdClient


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", type=Path)
    args = parser.parse_args()
    card = SimCard.from_files(None, args.state)
    client = VpcdClient(
        card,
        DEFAULT_HOST,
        DEFAULT_PORT,
        on_connected=lambda where: print(f"connected {where}", file=sys.stderr, flush=True),
    )

    def on_signal(signum: int, frame: FrameType | None) -> None:
        client.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=client.run, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.5)
    card.save()


if __name__ == "__main__":
    main()
