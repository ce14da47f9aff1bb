"""``cardwire sim``: the simulated card's own commands (``sim init``; ``sim serve`` is added to
this group by cardwire.cli.sim_serve_cmd)."""

from __future__ import annotations

from pathlib import Path

import click

from cardwire.cli.app import CardwireGroup, cli
from cardwire.errors import UsageError
from cardwire.sim import profile as profiles


@cli.group(cls=CardwireGroup)
def sim() -> None:
    """Configure and run the simulated card.

    \b
    Example:
      cardwire sim init card.yaml
    """


@sim.command("init")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: Path, force: bool) -> None:
    """Write the default card profile to PATH (YAML, or JSON when PATH ends in .json).

    Edit the file, then use it with --profile. The default secrets are listed in
    docs/simulator.md.

    \b
    Example:
      cardwire sim init card.yaml
      cardwire send --sim --profile card.yaml 00A4040C0AF0636172647769726501
    """
    if path.exists() and not force:
        raise UsageError(f"{path} exists; use --force to overwrite it")
    try:
        profiles.save(path, profiles.default_profile())
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    click.echo(f"wrote the default card profile to {path}")
