"""Rendering a run: the rich table, the JSON document and the Markdown table (same figures)."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.harness import Role, RowResult, Settings

PACKAGES = ("cardwire", "cryptography", "keycard", "yubikey-manager", "pyscard")


def machine_facts() -> dict[str, Any]:
    """What the figures depend on: CPU, cores, Python, crypto library and peer versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        from cryptography.hazmat.backends.openssl.backend import backend

        openssl = backend.openssl_version_text()
    except ImportError:  # pragma: no cover - cryptography is a dependency
        openssl = "unknown"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "openssl": openssl,
        "packages": versions,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def rate_text(value: float) -> str:
    """A rate with three significant figures and a k/M suffix."""
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def ratio_text(ratio: float | None, target: float | None = None) -> str:
    if ratio is None:
        return "-"
    text = f"{ratio:.2f}"
    return f"{text} (>= {target:g})" if target is not None else text


def _median_text(result: RowResult, name: str | None) -> str:
    return "-" if name is None else rate_text(result.median(name))


def table_rows(results: Sequence[RowResult]) -> list[list[str]]:
    """The cells of the table, one list per row (shared by the console and Markdown)."""
    out = []
    for result in results:
        if not result.rates:
            out.append([result.name, result.variant, result.note, "", "", "", "", "", ""])
            continue

        out.append(
            [
                result.name,
                result.variant,
                f"{_median_text(result, result.cardwire)} {result.unit}",
                _median_text(result, result.floor),
                ratio_text(result.ratio(Role.FLOOR), result.target_floor),
                result.peer or "-",
                _median_text(result, result.peer),
                ratio_text(result.ratio(Role.PEER), result.target_peer),
                result.verdict(),
            ]
        )
    return out


HEADERS = [
    "row",
    "payload",
    "cardwire",
    "floor",
    "cardwire/floor",
    "peer",
    "peer rate",
    "cardwire/peer",
    "target",
]


def print_table(results: Sequence[RowResult], settings: Settings, console: Console) -> None:
    table = Table(
        title=f"cardwire benchmarks: median of {settings.repetitions} alternating repetitions",
        show_lines=False,
    )
    for header in HEADERS:
        table.add_column(header, overflow="fold")
    for cells in table_rows(results):
        verdict = cells[-1]
        style = "red" if verdict == "below" else None
        table.add_row(*cells, style=style)
    console.print(table)


def to_json(
    results: Sequence[RowResult], settings: Settings, machine: dict[str, Any]
) -> dict[str, Any]:
    return {
        "machine": machine,
        "settings": {
            "repetitions": settings.repetitions,
            "sample_seconds": settings.sample_seconds,
        },
        "rows": [result.to_json() for result in results],
    }


def markdown(results: Sequence[RowResult], settings: Settings, machine: dict[str, Any]) -> str:
    """The run as a Markdown table with the machine facts above it."""
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v)
    lines = [
        f"Run of {machine['date']} on {machine['cpu']} ({machine['cores']} cores), "
        f"{machine['platform']}, Python {machine['python']}, {machine['openssl']}; {packages}. "
        f"Load average at the start: {machine['load_average_1min']}. Median of "
        f"{settings.repetitions} alternating repetitions of about "
        f"{settings.sample_seconds * 1000:g} ms each.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
    ]
    for cells in table_rows(results):
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
