"""The ``cardwire`` entry point (cardwire.cli.main): a command imports what it needs when it
runs, and a missing extra is one line naming it.

The rule asserted for the cheap commands: ``--help`` imports no command module, and
``decode apdu`` imports its own module and the codecs only: no simulator, session, transport,
handshake, secure messaging, rich or PyYAML. Each run is a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from cardwire.cli import EXTRAS, missing_extra

# The heavy parts a cheap command must not import (by module name prefix).
HEAVY = (
    "cardwire.sim",
    "cardwire.card",
    "cardwire.channels",
    "cardwire.transport",
    "cardwire.handshakes",
    "cardwire.sm",
    "cardwire.crypto",
    "cardwire.tracing",
    "rich",
    "yaml",
    "cryptography",
)


def run_cli(args: list[str], before: str = "") -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``cardwire ARGS`` as the console script does; also return the modules it loaded."""
    script = (
        f"{before}\nimport atexit, sys\n"
        "atexit.register(lambda: print(' '.join(sorted(sys.modules)), file=sys.stderr))\n"
        "from cardwire.cli import main\n"
        f"main({args!r})"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    modules = done.stderr.splitlines()[-1] if done.stderr else ""
    return done, set(modules.split())


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith(HEAVY))


def test_help_imports_no_command_module() -> None:
    done, modules = run_cli(["--help"])
    assert done.returncode == 0
    assert "decode" in done.stdout
    assert {m for m in modules if m.startswith("cardwire.cli")} == {
        "cardwire.cli",
        "cardwire.cli.app",
    }
    assert heavy(modules) == []


def test_decode_apdu_imports_its_module_and_the_codecs_only() -> None:
    done, modules = run_cli(["decode", "apdu", "00A4040000"])
    assert done.returncode == 0
    assert "SELECT" in done.stdout
    cli_modules = {m for m in modules if m.startswith("cardwire.cli")}
    assert cli_modules == {
        "cardwire.cli",
        "cardwire.cli.app",
        "cardwire.cli.decode_cmd",
        "cardwire.cli.output",
    }
    assert heavy(modules) == []


def test_without_click_main_names_the_cli_extra() -> None:
    # sys.modules[name] = None makes `import name` raise ModuleNotFoundError, as when absent.
    done, _ = run_cli(["--help"], before="import sys; sys.modules['click'] = None")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0] == "error: cardwire needs the 'cli' extra: pip install 'cardwire[cli]'"
    assert len(lines) == 2  # then only the module list this test prints


def test_without_rich_a_rich_command_names_the_cli_extra() -> None:
    done, _ = run_cli(["demo"], before="import sys; sys.modules['rich'] = None")
    assert done.returncode == 2
    assert done.stderr.startswith("error: cardwire needs the 'cli' extra")


@pytest.mark.parametrize(("module", "extra"), sorted(EXTRAS.items()))
def test_missing_extra_names_each_extra(module: str, extra: str) -> None:
    message = missing_extra(ModuleNotFoundError(name=f"{module}.sub"))
    assert message == f"error: cardwire needs the '{extra}' extra: pip install 'cardwire[{extra}]'"


def test_other_missing_modules_are_not_ours_to_explain() -> None:
    assert missing_extra(ModuleNotFoundError(name="cardwire.nosuch")) is None
    assert missing_extra(ModuleNotFoundError()) is None
