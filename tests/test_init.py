"""Importing the library (``cardwire`` and every module outside ``cardwire.cli``) loads none of
the command line's dependencies (click, rich) nor PyYAML (the ``sim`` extra, read only when a
YAML profile is), so that a program using the library does not pay for the CLI (issue 16).

Each check runs in a fresh interpreter: this test process has long imported everything.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cardwire

OPTIONAL = ("click", "rich", "yaml")


def library_modules() -> list[str]:
    """Every module of the package outside ``cardwire.cli``, by file."""
    root = Path(cardwire.__file__).parent
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[1:2] == ("cli",):
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def loaded_after(code: str) -> set[str]:
    """The top-level names in ``sys.modules`` after ``code`` ran in a new interpreter."""
    script = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_the_library_loads_no_cli_nor_yaml() -> None:
    modules = library_modules()
    assert "cardwire.apdu" in modules and "cardwire.sim.card" in modules
    loaded = loaded_after("\n".join(f"import {name}" for name in modules))
    assert {name for name in loaded if name.partition(".")[0] in OPTIONAL} == set()


def test_a_default_simulated_card_needs_no_yaml() -> None:
    loaded = loaded_after(
        "from cardwire.card import Card\n"
        "from cardwire.sim.card import SimCard\n"
        "from cardwire.transport.memory import MemoryTransport\n"
        "with Card(MemoryTransport(SimCard())) as card:\n"
        "    card.select(bytes.fromhex('F0636172647769726501'))"
    )
    assert "cardwire.sim.card" in loaded
    assert "yaml" not in loaded


def test_the_public_names_are_all_importable() -> None:
    for name in cardwire.__all__:
        assert getattr(cardwire, name) is not None, name
    from cardwire.card import Card
    from cardwire.handshakes.scp03 import open_scp03

    assert cardwire.Card is Card and cardwire.open_scp03 is open_scp03
    assert {"Card", "Channel", "Command", "Response", "SW", "UsageError"} <= set(cardwire.__all__)
    assert {"open_bac", "open_pace", "open_scp03", "open_counter", "open_keycard"} <= set(
        cardwire.__all__
    )
    from cardwire.handshakes.scp11 import open_scp11

    assert "open_scp11" in cardwire.__all__ and cardwire.open_scp11 is open_scp11


def test_importing_cardwire_loads_no_session() -> None:
    loaded = loaded_after("import cardwire")
    assert "cardwire.card" not in loaded and "cardwire.handshakes" not in loaded


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Kard'"):
        _ = cardwire.Kard
