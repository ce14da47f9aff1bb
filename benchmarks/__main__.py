"""``python -m benchmarks`` (``make bench``): every row, its floor and its peers, in one run.

Prints the table and writes the same figures as JSON (``benchmarks/results/latest.json`` by
default). ``--only`` keeps the rows whose family or name contains a word; ``--no-pcsc`` skips the
PC/SC row (it needs root, pcscd and vpcd); ``--quick`` is a short smoke run.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console

from benchmarks import (
    report,
    rows_decoding,
    rows_iso_sm,
    rows_keycard,
    rows_pcsc,
    rows_scp02,
    rows_scp03,
    rows_scp11,
    rows_session,
    rows_startup,
)
from benchmarks.harness import Row, RowResult, Settings, measure

DEFAULT_JSON = Path(__file__).parent / "results" / "latest.json"
PAYLOADS = (16, 200)
FAMILIES: tuple[Callable[[tuple[int, ...]], list[Row]], ...] = (
    rows_iso_sm.rows,
    rows_scp03.rows,
    rows_scp02.rows,
    rows_scp11.rows,
    rows_keycard.rows,
    rows_session.rows,
    rows_decoding.rows,
)


def wanted(text: str, only: Sequence[str]) -> bool:
    """Whether a row (its family and name) is selected by ``--only`` words (none: all)."""
    lowered = text.lower()
    return not only or any(word.lower() in lowered for word in only)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--repetitions", type=int, default=9, help="alternating rounds")
    parser.add_argument("--sample-ms", type=float, default=40.0, help="time per batch")
    parser.add_argument("--only", action="append", default=[], help="row filter (repeatable)")
    parser.add_argument("--no-pcsc", action="store_true", help="skip the PC/SC round trip")
    parser.add_argument("--quick", action="store_true", help="3 repetitions of 10 ms")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write JSON")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quick:
        settings = Settings(repetitions=3, sample_seconds=0.01)
    else:
        settings = Settings(repetitions=args.repetitions, sample_seconds=args.sample_ms / 1000)
    console = Console(width=None if Console().is_terminal else 170)
    machine = report.machine_facts()
    results: list[RowResult] = []
    for family in FAMILIES:
        for row in family(PAYLOADS):
            if not wanted(f"{row.family} {row.name}", args.only):
                continue
            console.print(f"[dim]measuring {row.name}, {row.variant}[/dim]")
            results.append(measure(row, settings))
    for name, _ in rows_startup.COMMANDS:
        if wanted(f"{rows_startup.FAMILY} {name}", args.only):
            console.print(f"[dim]measuring {name} start-up[/dim]")
            results.append(rows_startup.measure_row(name, settings))
    if not args.no_pcsc and wanted(f"{rows_pcsc.FAMILY} {rows_pcsc.NAME}", args.only):
        console.print("[dim]measuring the PC/SC round trip (pcscd + vpcd)[/dim]")
        results.append(rows_pcsc.measure_pcsc(settings))
    report.print_table(results, settings, console)
    document = report.to_json(results, settings, machine)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2) + "\n")
    console.print(f"JSON: {args.json}")
    if args.markdown is not None:
        args.markdown.write_text(report.markdown(results, settings, machine))
        console.print(f"Markdown: {args.markdown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
