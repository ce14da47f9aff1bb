"""``cardwire gp`` through pcscd + vpcd (issue 21): a subprocess per command, as a user runs
it: list, load and install a CAP file, select the new instance, delete it with its package,
list again. The CAP file (tests/cap_builder.py) names no built-in applet, so the instance is
the simulator's inert one (docs/gp.md) and the card ends as it started."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

CLI_TIMEOUT = 60  # seconds for one cardwire run
KEYS = "404142434445464748494A4B4C4D4E4F"  # the simulated card's (docs/simulator.md)
PACKAGE = "D27600012402"
APPLET = "D2760001240201"
INSTANCE = "D276000124020101"


def other_cap() -> bytes:
    """A CAP file of PACKAGE with APPLET, from tests/cap_builder.py (loaded by path: tests/ is
    not on this directory's import path)."""
    spec = importlib.util.spec_from_file_location(
        "cap_builder", Path(__file__).parents[1] / "cap_builder.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data: bytes = module.cap_zip(bytes.fromhex(PACKAGE), (bytes.fromhex(APPLET),))
    return data


def cardwire(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cardwire.cli import main; main()", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def gp(stack: PcscStack, *args: str) -> subprocess.CompletedProcess[str]:
    done = cardwire("gp", *args, "--reader", str(stack.reader_index), "--keys", KEYS)
    assert done.returncode == 0, done.stderr
    return done


def listing(stack: PcscStack) -> dict[str, dict[str, Any]]:
    return {row["aid"]: row for row in json.loads(gp(stack, "list", "--json").stdout)}


def test_gp_list_load_install_select_delete(pcsc_stack: PcscStack, tmp_path: Path) -> None:
    cap = tmp_path / "other.cap"
    cap.write_bytes(other_cap())
    before = listing(pcsc_stack)
    assert before["A000000151000000"]["kind"] == "ISD"
    assert INSTANCE not in before and PACKAGE not in before

    loaded = gp(
        pcsc_stack,
        "load",
        str(cap),
        "--hash",
        "sha1",
        "--install",
        "--instance",
        INSTANCE,
        "--json",
    )
    assert json.loads(loaded.stdout)["installed"] == INSTANCE
    rows = listing(pcsc_stack)
    assert (rows[INSTANCE]["state"], rows[INSTANCE]["load_file"]) == ("SELECTABLE", PACKAGE)
    assert rows[PACKAGE]["modules"] == [APPLET]

    reader = str(pcsc_stack.reader_index)
    select = f"00A4040C08{INSTANCE}"
    selected = cardwire("send", "--reader", reader, "--json", select)
    assert selected.returncode == 0, selected.stderr
    assert [item["sw"] for item in json.loads(selected.stdout)] == ["9000"]

    gp(pcsc_stack, "delete", PACKAGE, "--related")
    after = listing(pcsc_stack)
    assert INSTANCE not in after and PACKAGE not in after
    assert set(after) == set(before)
    gone = cardwire("send", "--reader", reader, "--reset", "--json", select)
    assert [item["sw"] for item in json.loads(gone.stdout)] == ["6A82"]
