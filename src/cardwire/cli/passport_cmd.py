"""``cardwire passport read (--mrz ...|--can ...) [--sim|--reader R] [--csca PATH] [--out DIR]
[--json]``: read an ePassport and verify it (docs/passport.md).

Exit codes (docs/cli.md): 0 every check that could run passed; 1 a check failed or the chip
refused; 2 usage; 3 reader. The MRZ and CAN are secrets: literal, @FILE or env:NAME, never
printed. Progress for large files is shown on stderr when it is a terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cardwire.card import Card
from cardwire.cli.app import EXIT_FAILED, CardwireGroup, cli
from cardwire.cli.output import emit_json, json_option
from cardwire.cli.progress import FileBars, stderr_progress
from cardwire.cli.secrets import resolve_secret
from cardwire.cli.target import CardTarget, target_options
from cardwire.errors import UsageError
from cardwire.passport.master_list import load_cscas
from cardwire.passport.passive import Verdict, load_crls
from cardwire.passport.reader import FAILED, NOT_SUPPORTED, PASSED, Inspection, inspect_passport

PROGRESS_FROM = 4096  # files at least this large report their progress on stderr


@cli.group(cls=CardwireGroup)
def passport() -> None:
    """Read and verify ePassports (ICAO 9303): LDS, Passive and Active Authentication.

    \b
    Example:
      cardwire passport read --sim --mrz 'L898902C<,690806,940623'
    """


def _verdict(verdict: Verdict | None) -> str:
    if verdict is None:
        return NOT_SUPPORTED
    return PASSED if verdict.ok else FAILED


def _with_reason(verdict: Verdict | None) -> str:
    if verdict is None or not verdict.reason:
        return _verdict(verdict)
    return f"{_verdict(verdict)} ({verdict.reason})"


def report(found: Inspection, files: list[str]) -> dict[str, Any]:
    """The JSON report (keys in docs/passport.md)."""
    pa = found.passive
    return {
        "access": found.access,
        "mrz": found.mrz.fields() if found.mrz else None,
        "mrz_check_digits": found.mrz.valid if found.mrz else None,
        "data_groups": [name for name in found.files if name.startswith("DG")],
        "unreadable": found.unreadable,
        "passive_authentication": {
            "signature": pa.signature.ok if pa else False,
            "chain": None if pa is None or pa.chain is None else pa.chain.ok,
            "hashes": pa.hashes if pa else {},
            "reasons": [v.reason for v in (pa.signature, pa.chain) if v and not v.ok] if pa else [],
        },
        "active_authentication": _verdict(found.active),
        "chip_authentication": _verdict(found.chip),
        "details": found.details,
        "problems": found.problems,
        "files": files,
    }


def write_files(found: Inspection, out: Path) -> list[str]:
    """Each file read (raw, NAME.bin) and each face image (face-N.jpg|jp2) into ``out``."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, data in found.files.items():
            path = out / f"{name}.bin"
            path.write_bytes(data)
            written.append(str(path))
        for index, face in enumerate(found.faces, 1):
            path = out / f"face-{index}.{face.extension}"
            path.write_bytes(face.data)
            written.append(str(path))
    except OSError as exc:
        raise UsageError(f"cannot write into {out}: {exc.strerror or exc}") from exc
    return written


def _text(result: dict[str, Any], found: Inspection) -> None:
    echo = click.echo
    echo(f"access: {result['access']}")
    for key, value in (result["mrz"] or {}).items():
        echo(f"  {key}: {value}")
    checks = "right" if result["mrz_check_digits"] else "WRONG"
    echo(f"  MRZ check digits: {checks}")
    echo(f"data groups: {', '.join(result['data_groups'])}")
    for name, why in found.unreadable.items():
        echo(f"  {name}: not readable ({why})")
    pa = found.passive
    if pa is not None:
        echo(f"passive authentication (checked at {pa.check_time:%Y-%m-%d}):")
        echo(f"  signature: {_with_reason(pa.signature)}")
        chain = "not checked (no --csca)" if pa.chain is None else _with_reason(pa.chain)
        echo(f"  chain: {chain}")
        for name, ok in pa.hashes.items():
            echo(f"  {name} hash: {PASSED if ok else FAILED}")
    for label, verdict in (("active", found.active), ("chip", found.chip)):
        echo(f"{label} authentication: {_with_reason(verdict)}")
    for problem in found.problems:
        echo(f"problem: {problem}")
    for path in result["files"]:
        echo(f"wrote {path}")


@passport.command("read")
@target_options
@click.option("--mrz", metavar="DOC,BIRTH,EXPIRY", help="The MRZ key (BAC or PACE).")
@click.option("--can", metavar="CAN", help="The card access number (PACE only).")
@click.option(
    "--csca",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="CSCA certificate (PEM/DER), ICAO master list (DER, signer verified) or a folder of "
    "them (repeatable): checks the DS certificate's chain.",
)
@click.option(
    "--crl",
    "crl_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSCA's CRL (PEM/DER, repeatable): a revoked DS certificate fails the chain.",
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Write the files here."
)
@json_option()
def read(
    target: CardTarget,
    mrz: str | None,
    can: str | None,
    csca: tuple[Path, ...],
    crl_files: tuple[Path, ...],
    out: Path | None,
    as_json: bool,
) -> None:
    """Read every data group and EF.SOD, verify them, report; exit 1 when a check fails.

    Access is PACE when EF.CardAccess offers it, else BAC (ICAO 9303-11 4.2).

    \b
    Example:
      cardwire sim csca csca.pem
      cardwire passport read --sim --mrz 'L898902C<,690806,940623' --csca csca.pem --json
    """
    if (mrz is None) == (can is None):
        raise UsageError("passport read needs exactly one of --mrz DOC,BIRTH,EXPIRY or --can")
    kind, secret = ("mrz", mrz) if mrz is not None else ("can", can)
    password = resolve_secret(str(secret), f"--{kind}")
    trusted = load_cscas(csca) if csca else None
    crls = load_crls(crl_files)

    # a bar per large file, on stderr when it is a terminal (docs/cli.md, Progress)
    with stderr_progress() as bars, Card(target.open()) as card:
        found = inspect_passport(
            card,
            password,
            kind,
            trusted=trusted,
            crls=crls,
            progress=FileBars(bars, PROGRESS_FROM),
        )
    files = write_files(found, out) if out is not None else []
    result = report(found, files)
    if as_json:
        emit_json(result)
    else:
        _text(result, found)
    if not found.passed:
        raise SystemExit(EXIT_FAILED)
