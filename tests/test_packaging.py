"""The package as users get it: ``python -m build`` makes an sdist and a wheel; the wheel
installs into a fresh virtual environment, away from the source tree, and works.

Issue 24. With the user-facing extras (``cli``, ``sim``, ``pcsc``: all but the development,
test, docs and benchmark ones) ``cardwire --version``, ``cardwire decode apdu`` and
``cardwire demo`` run; with no extra the library imports and runs on the simulated card.
The installs come from the package index (PyPI) and pip's cache, as a user's would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import cardwire

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("build")  # the dev extra

pytestmark = pytest.mark.timeout(900)


def _clean_env() -> dict[str, str]:
    """The environment without anything that would put the source tree on the path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _run(args: list[str | Path], cwd: Path) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=800,
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out)
    yield out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("cardwire-*.whl")
    return wheel


def _fresh_venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    return where / "bin"


def test_build_makes_an_sdist_and_a_wheel_of_this_version(dist: Path) -> None:
    version = cardwire.__version__
    assert (dist / f"cardwire-{version}.tar.gz").is_file()
    wheel = _wheel(dist)
    assert wheel.name == f"cardwire-{version}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    assert "cardwire/py.typed" in names  # PEP 561: the types ship with the package
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]
    metadata = zipfile.ZipFile(wheel).read(f"cardwire-{version}.dist-info/METADATA").decode()
    for line in (
        f"Version: {version}",
        "Provides-Extra: cli",
        "Provides-Extra: sim",
        "Provides-Extra: pcsc",
        "Classifier: Typing :: Typed",
    ):
        assert line in metadata, line


def test_the_wheel_with_every_user_extra_runs_the_cli(dist: Path, tmp_path: Path) -> None:
    bin_dir = _fresh_venv(tmp_path / "venv")
    wheel = _wheel(dist)
    _run([bin_dir / "pip", "install", "--quiet", f"{wheel}[cli,sim,pcsc]"], cwd=tmp_path)
    cli = bin_dir / "cardwire"
    assert cardwire.__version__ in _run([cli, "--version"], cwd=tmp_path)
    assert "SELECT" in _run([cli, "decode", "apdu", "00A4040000"], cwd=tmp_path)
    assert "demo finished" in _run([cli, "demo"], cwd=tmp_path)


def test_the_bare_wheel_imports_and_works_without_extras(dist: Path, tmp_path: Path) -> None:
    bin_dir = _fresh_venv(tmp_path / "venv")
    _run([bin_dir / "pip", "install", "--quiet", _wheel(dist)], cwd=tmp_path)
    script = (
        "import sys, cardwire\n"
        "from cardwire.sim import open_card\n"
        "assert 'site-packages' in cardwire.__file__, cardwire.__file__\n"
        "card = open_card()\n"
        "print(card.send(cardwire.Command(0x00, 0x84, 0, 0, ne=8)).sw == cardwire.SW.SUCCESS)\n"
        "print(sorted(m for m in ('click', 'rich', 'yaml', 'smartcard') if m in sys.modules))\n"
    )
    out = _run([bin_dir / "python", "-c", script], cwd=tmp_path).split("\n")
    assert out[:2] == ["True", "[]"]
    # Without the cli extra the command says which extra to install, in one line.
    result = subprocess.run(
        [str(bin_dir / "cardwire"), "--help"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "pip install 'cardwire[cli]'" in result.stderr
