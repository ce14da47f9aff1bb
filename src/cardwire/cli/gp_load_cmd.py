"""``cardwire gp load CAP`` and ``cardwire gp install``: INSTALL [for load], LOAD in numbered
blocks, INSTALL [for install and make selectable] (GPC 11.5, 11.6; CAP files: cardwire.cap)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cardwire import gp
from cardwire.cap import CapFile
from cardwire.card import Card
from cardwire.cli.gp_cmd import gp as gp_group
from cardwire.cli.gp_cmd import gp_options, hex_argument, managed_card
from cardwire.cli.output import emit_json
from cardwire.cli.target import CardTarget
from cardwire.errors import UsageError
from cardwire.gp_content import InstallForLoad, install_for_load, load_blocks
from cardwire.hexutil import to_hex
from cardwire.tlv import tlv

_CAP = click.Path(exists=True, dir_okay=False, path_type=Path)


def load_cap(card: Card, cap: CapFile, *, hash_algorithm: str | None, block_size: int) -> int:
    """INSTALL [for load] then the LOAD blocks; returns the number of blocks."""
    digest = b"" if hash_algorithm is None else cap.hash(hash_algorithm)
    card.send(install_for_load(InstallForLoad(cap.package_aid, hash=digest)))
    count = 0
    for command in load_blocks(cap.load_file_data_block(), block_size):
        card.send(command)
        count += 1
    return count


def install_instance(
    card: Card,
    load_file: bytes,
    module: bytes,
    instance: bytes,
    privileges: bytes,
    parameters: bytes,
) -> None:
    """INSTALL [for install and make selectable] with C9 install parameters (GPC 11.5.2.3.7)."""
    data = gp.InstallData(
        load_file, module, instance, privileges, tlv(gp.TAG_INSTALL_PARAMETERS, parameters)
    )
    card.send(gp.install(data))


def _instance_options(command: Any) -> Any:
    for option in reversed(
        (
            click.option("--instance", metavar="AID", help="Instance AID (default: the module's)."),
            click.option("--privileges", metavar="HEX", default="00", show_default=True),
            click.option("--params", metavar="HEX", default="", help="Install parameters (C9)."),
        )
    ):
        command = option(command)
    return command


@gp_group.command()
@click.argument("cap_path", metavar="CAP", type=_CAP)
@click.option(
    "--hash",
    "hash_algorithm",
    type=click.Choice(["sha1", "sha256"]),
    help="Send the load file data block hash.",
)
@click.option("--block-size", default=0xEF, show_default=True, help="LOAD block size in bytes.")
@click.option("--install", "and_install", is_flag=True, help="Then install its applet.")
@_instance_options
@gp_options
def load(
    target: CardTarget,
    json_out: bool,
    values: dict[str, Any],
    cap_path: Path,
    hash_algorithm: str | None,
    block_size: int,
    and_install: bool,
    instance: str | None,
    privileges: str,
    params: str,
) -> None:
    """Load a CAP file (and install its applet with --install)."""
    cap = CapFile.read(cap_path)
    if and_install and len(cap.applet_aids) != 1:
        raise UsageError(
            f"--install: the CAP file has {len(cap.applet_aids)} applets, name one with gp install"
        )
    with managed_card(target, values) as card:
        blocks = load_cap(card, cap, hash_algorithm=hash_algorithm, block_size=block_size)
        installed = None
        if and_install:
            module = cap.applet_aids[0]
            installed = module if instance is None else hex_argument(instance, "--instance")
            install_instance(
                card,
                cap.package_aid,
                module,
                installed,
                hex_argument(privileges, "--privileges"),
                hex_argument(params, "--params"),
            )
    result = {
        "package": to_hex(cap.package_aid),
        "applets": [to_hex(a) for a in cap.applet_aids],
        "blocks": blocks,
        "installed": None if installed is None else to_hex(installed),
    }
    if json_out:
        emit_json(result)
        return
    click.echo(f"loaded {result['package']} in {blocks} blocks")
    if installed is not None:
        click.echo(f"installed {to_hex(installed)}")


@gp_group.command()
@click.argument("source", metavar="CAP|PACKAGE")
@click.option("--applet", metavar="AID", help="The module to install (default: the only one).")
@_instance_options
@gp_options
def install(
    target: CardTarget,
    json_out: bool,
    values: dict[str, Any],
    source: str,
    applet: str | None,
    instance: str | None,
    privileges: str,
    params: str,
) -> None:
    """Install an applet of an already loaded package (a CAP file or the package AID)."""
    if Path(source).is_file():
        cap = CapFile.read(Path(source))
        package, modules = cap.package_aid, cap.applet_aids
    else:
        package, modules = hex_argument(source, "PACKAGE"), ()
    if applet is not None:
        module = hex_argument(applet, "--applet")
    elif len(modules) == 1:
        module = modules[0]
    else:
        raise UsageError("name the applet to install with --applet AID")
    aid = module if instance is None else hex_argument(instance, "--instance")
    with managed_card(target, values) as card:
        install_instance(
            card,
            package,
            module,
            aid,
            hex_argument(privileges, "--privileges"),
            hex_argument(params, "--params"),
        )
    if json_out:
        emit_json({"package": to_hex(package), "applet": to_hex(module), "instance": to_hex(aid)})
    else:
        click.echo(f"installed {to_hex(aid)}")
