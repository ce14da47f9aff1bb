"""``cardwire trace decode|replay``: read traces, show protected sessions in plain, replay them.

The trace format and the decoding options are described in docs/traces.md.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from cardwire.cli.app import EXIT_FAILED, CardwireGroup, cli
from cardwire.cli.gp_key_options import diversify_option
from cardwire.cli.output import console, emit_json, json_option
from cardwire.cli.secrets import resolve_secret
from cardwire.cli.target import CardTarget, target_options
from cardwire.cli.trace_lines import plain_lines
from cardwire.errors import UsageError
from cardwire.handshakes.bac import MrzInformation
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sm.pace import PacePassword
from cardwire.sm.scp02.diversification import DIVERSIFICATION_SCHEMES as SCP02_SCHEMES
from cardwire.sm.scp03 import DIVERSIFICATION_SCHEMES
from cardwire.sm.scp03 import scheme_name as scp03_scheme
from cardwire.trace.decode import DecodedExchange, decode_trace
from cardwire.trace.iso_sm import IsoSmObserver
from cardwire.trace.model import Trace, TraceFormat
from cardwire.trace.observers import Observer
from cardwire.trace.replay import replay as replay_trace
from cardwire.trace.text import DIALECTS, read

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_READABLE = [d.format.value for d in DIALECTS] + [TraceFormat.CCID.value]
format_option = click.option(
    "--format",
    "trace_format",
    type=click.Choice(_READABLE),
    help="The trace's format (default: recognised from its content).",
)


def _read(file: Path, trace_format: str | None) -> Trace:
    return read(file, TraceFormat(trace_format) if trace_format else None)


@cli.group("trace", cls=CardwireGroup)
def trace() -> None:
    """Traces: decode protected sessions with their keys, replay them against a card.

    Reads cardwire's trace format (`--trace FILE` of any command), scriptor output, the APDU
    log of `pcscd -a`, GlobalPlatformPro / apdu4j debug output, ykman / yubikit logs, pySim's
    APDU trace, OpenSC debug logs and USB CCID captures (usbmon or USBPcap, pcap or pcapng)
    (docs/traces.md), recognised from their content.

    \b
    Example:
      cardwire trace decode --mrz L898902C,690806,940623 session.trace
    """


def _hex_list(option: str, value: str, count: int) -> list[bytes]:
    parts = resolve_secret(value, option).split(",")
    if len(parts) != count:
        raise UsageError(f"{option} takes {count} comma-separated hex values, got {len(parts)}")
    return [parse_hex(part) for part in parts]


@dataclass(frozen=True)
class DecodingKeys:
    """The decoding options of `trace decode` and `trace export`, as given on the command line
    (hex, or secret text: literal, @FILE or env:NAME); None where not given. The repr names
    the options given, never their values (they hold keys and passwords)."""

    suite: str | None = None
    kenc: str | None = None
    kmac: str | None = None
    ssc: str | None = None
    mrz: str | None = None
    scp03: str | None = None
    scp02: str | None = None
    diversify: str | None = None
    keycard: str | None = None
    keycard_iv: str | None = None
    pace_keys: tuple[str, ...] = ()
    keycard_v2: str | None = None
    scp11: str | None = None
    can: str | None = None
    pin: str | None = None
    puk: str | None = None

    def __repr__(self) -> str:
        given = [item.name for item in fields(self) if getattr(self, item.name) not in (None, ())]
        return f"DecodingKeys({', '.join(given)}: <hidden>)"


def build_observer(keys: DecodingKeys, pace_secrets: tuple[int, ...] = ()) -> Observer | None:
    """The observer the decoding options ask for, or None: ISO SM (session keys, or the MRZ
    and PACE keys or passwords) and one of SCP03, SCP02, Keycard may be combined, each on its
    channel. ``pace_secrets``: the PACE private keys the trace holds (trace.pace_secret), used
    with the PACE passwords (``mrz``, ``can``, ``pin``, ``puk``)."""
    iso_keys = (keys.suite, keys.kenc, keys.kmac, keys.ssc)
    passwords = _pace_passwords(keys.mrz, keys.can, keys.pin, keys.puk)
    pace = len(passwords) > int(keys.mrz is not None)  # --mrz alone also means BAC
    iso = [
        name
        for name, given in (
            ("--suite/--kenc/--kmac/--ssc", any(v is not None for v in iso_keys)),
            (
                "--mrz/--pace-keys/--can/--pin/--puk",
                keys.mrz is not None or bool(keys.pace_keys) or pace,
            ),
        )
        if given
    ]
    other = [
        name
        for name, given in (
            ("--scp03", keys.scp03 is not None),
            ("--scp02", keys.scp02 is not None),
            ("--keycard", keys.keycard is not None),
            ("--keycard-v2", keys.keycard_v2 is not None),
            ("--scp11", keys.scp11 is not None),
        )
        if given
    ]
    for chosen in (iso, other):
        if len(chosen) > 1:
            raise UsageError(f"choose one way to decode, not {' and '.join(chosen)}")
    if keys.keycard_iv is not None and keys.keycard is None:
        raise UsageError("--keycard-iv goes with --keycard")
    if keys.diversify is not None and keys.scp03 is None and keys.scp02 is None:
        raise UsageError("--diversify goes with --scp03 or --scp02")
    iso_observer = _iso_observer(keys)
    if passwords:
        from cardwire.trace.pace_secret import PaceKeyRecovery

        recovery = PaceKeyRecovery(passwords, pace_secrets)
        if iso_observer is None:
            iso_observer = IsoSmObserver(recovery=recovery)
        else:
            iso_observer.recover_pace(recovery)
    make = _other_observer(keys)
    if iso_observer is not None and make is not None:
        from cardwire.trace.combined import CombinedObserver

        return CombinedObserver(iso_observer, make)
    if make is not None:
        return make()
    return iso_observer


def _pace_passwords(
    mrz: str | None, can: str | None, pin: str | None, puk: str | None
) -> list[PacePassword]:
    """The PACE passwords given (9303-11 9.7.3); the MRZ is also BAC's (--mrz)."""
    from cardwire.handshakes.pace import pace_password

    given = [("mrz", mrz), ("can", can), ("pin", pin), ("puk", puk)]
    return [
        pace_password(resolve_secret(value, f"--{kind}"), kind)
        for kind, value in given
        if value is not None
    ]


def _iso_observer(keys: DecodingKeys) -> IsoSmObserver | None:
    given = [value is not None for value in (keys.suite, keys.kenc, keys.kmac, keys.ssc)]
    if any(given):
        if keys.suite is None or keys.kenc is None or keys.kmac is None or keys.ssc is None:
            raise UsageError("--suite, --kenc, --kmac and --ssc go together")
        return IsoSmObserver.from_keys(
            keys.suite,
            parse_hex(resolve_secret(keys.kenc, "--kenc")),
            parse_hex(resolve_secret(keys.kmac, "--kmac")),
            parse_hex(keys.ssc),
        )
    if keys.mrz is not None or keys.pace_keys:
        # The same MRZ syntax as `cardwire bac --mrz` (document number, YYMMDD, YYMMDD).
        bac = MrzInformation.parse(resolve_secret(keys.mrz, "--mrz")).keys() if keys.mrz else None
        pace = [tuple(_hex_list("--pace-keys", value, 2)) for value in keys.pace_keys]
        return IsoSmObserver(bac=bac, pace=[(enc, mac) for enc, mac in pace])
    return None


def _other_observer(keys: DecodingKeys) -> Callable[[], Observer] | None:
    """A maker of the GP or Keycard observer (one per logical channel when combined)."""
    if keys.scp03 is not None:
        from cardwire.sm.scp03 import StaticKeys
        from cardwire.trace.scp03 import Scp03TraceObserver

        if keys.diversify is not None:
            scp03_scheme(keys.diversify)  # UsageError for an SCP02 template
        enc, mac, dek = _hex_list("--scp03", keys.scp03, 3)
        # With --diversify the keys are master keys; each card's keys come from them and the
        # diversification data of its INITIALIZE UPDATE answer (GP Amendment D 7.1.1.6).
        return lambda: Scp03TraceObserver(StaticKeys(enc, mac, dek), diversify=keys.diversify)
    if keys.scp02 is not None:
        from cardwire.sm.scp02 import StaticKeys as Scp02Keys
        from cardwire.sm.scp02.diversification import scheme_name as scp02_scheme
        from cardwire.trace.scp02 import Scp02TraceObserver

        # --diversify emv|visa2: master keys, diversified with each card's data (docs/scp02.md).
        scheme = None if keys.diversify is None else scp02_scheme(keys.diversify)
        enc2, mac2, dek2 = _hex_list("--scp02", keys.scp02, 3)
        return lambda: Scp02TraceObserver(Scp02Keys(enc2, mac2, dek2), diversify=scheme)
    if keys.keycard is not None:
        from cardwire.trace.keycard import KeycardObserver

        kenc, kmac = _hex_list("--keycard", keys.keycard, 2)
        iv = parse_hex(keys.keycard_iv) if keys.keycard_iv is not None else None
        return lambda: KeycardObserver.from_keys(kenc, kmac, iv)
    if keys.keycard_v2 is not None:  # Secure Channel V2 (applet 4.x), docs/keycard.md
        from cardwire.trace.keycard import KeycardV2Observer

        h2c, c2h = _hex_list("--keycard-v2", keys.keycard_v2, 2)
        return lambda: KeycardV2Observer(h2c, c2h)
    if keys.scp11 is not None:  # exported session keys (cardwire scp11 --export-session-keys)
        from cardwire.trace.scp11 import Scp11TraceObserver

        text = resolve_secret(keys.scp11, "--scp11")
        parts = _hex_list("--scp11", text, 4 if text.count(",") == 3 else 3)
        return lambda: Scp11TraceObserver(*parts)
    return None


def _table(entries: list[DecodedExchange], decoding: bool) -> Table:
    table = Table(show_lines=False, header_style="bold")
    table.add_column("line", justify="right")
    table.add_column("command", overflow="fold")
    table.add_column("response", overflow="fold")
    if decoding:
        table.add_column("plain command", overflow="fold")
        table.add_column("plain response", overflow="fold")
        table.add_column("MAC")
    for entry in entries:
        row = [str(entry.line), to_hex(entry.command), to_hex(entry.response)]
        if decoding:
            decoded = entry.decoded
            if decoded is None:
                note = "(GET RESPONSE: joined above)" if entry.continuation else ""
                row += [note, "", ""]
            elif not decoded.mac_ok:
                shown = "-" if decoded.plain_command is None else to_hex(decoded.plain_command)
                row += [shown, "-", f"[red]FAILED: {decoded.error}[/red]"]
            else:
                row += [
                    to_hex(decoded.plain_command or b""),
                    to_hex(decoded.plain_response or b""),
                    "ok",
                ]
        table.add_row(*row)
    return table


_RECOMPUTE_HELP = (
    "PACE with the {}: recomputes the session keys of a trace recorded with "
    "`cardwire pace ... --trace-pace-secret` (literal, @FILE or env:NAME)."
)
_DECODING_OPTIONS = (
    click.option("--suite", type=click.Choice(["3des", "aes"]), help="ISO SM suite."),
    click.option("--kenc", help="ISO SM session encryption key, hex (or @FILE, env:NAME)."),
    click.option("--kmac", help="ISO SM session MAC key, hex (or @FILE, env:NAME)."),
    click.option("--ssc", help="ISO SM send sequence counter before the first protected command."),
    click.option(
        "--mrz",
        metavar="DOC,BIRTH,EXPIRY",
        help="BAC: keys from the MRZ and the trace (and PACE with the MRZ, as --can).",
    ),
    click.option("--can", metavar="CAN", help=_RECOMPUTE_HELP.format("card access number")),
    click.option("--pin", metavar="PIN", help=_RECOMPUTE_HELP.format("eID PIN")),
    click.option("--puk", metavar="PUK", help=_RECOMPUTE_HELP.format("eID PUK")),
    click.option("--scp03", metavar="ENC,MAC,DEK", help="SCP03 static keys, hex."),
    click.option("--scp02", metavar="ENC,MAC,DEK", help="SCP02 static 3DES keys, hex."),
    diversify_option(
        (*DIVERSIFICATION_SCHEMES, *SCP02_SCHEMES),
        "With --scp03 or --scp02: the keys are master keys, diversified per card (kdf3 "
        "for SCP03, emv or visa2 for SCP02: GlobalPlatformPro's templates; none: as given), "
        "as `cardwire scp03|scp02 --diversify`.",
    ),
    click.option("--keycard", metavar="ENC,MAC", help="Keycard session keys, hex."),
    click.option("--keycard-iv", metavar="IV", help="Keycard IV (default: from the trace)."),
    click.option(
        "--pace-keys",
        metavar="KSENC,KSMAC",
        multiple=True,
        help="PACE session keys, hex (as `cardwire pace --show-keys` prints them); repeat for "
        "each PACE session in the trace, in order. Combines with --mrz.",
    ),
    click.option("--keycard-v2", metavar="H2C,C2H", help="Keycard Secure Channel V2 keys, hex."),
    click.option(
        "--scp11",
        metavar="ENC,MAC,RMAC[,RECEIPT]",
        help="SCP11 session keys and receipt, hex, as `cardwire scp11 --export-session-keys` "
        "writes them (@FILE); without the receipt, the first SCP11 session of the trace.",
    ),
)


def decoding_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The decoding options of `trace decode`, shared by `trace export` (one place, one
    meaning); the command receives them as ``decoding`` (:class:`DecodingKeys`)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        decoding = DecodingKeys(
            **{item.name: kwargs.pop(item.name) for item in fields(DecodingKeys)}
        )
        return command(*args, decoding=decoding, **kwargs)

    decorated: Callable[..., Any] = wrapper
    for option in reversed(_DECODING_OPTIONS):
        decorated = option(decorated)
    return decorated


def _decoded(file: Path, trace_format: str | None, decoding: DecodingKeys) -> Decoding:
    """The trace read and decoded with the options; the observer (None: no keys given)."""
    parsed = _read(file, trace_format)
    from cardwire.trace.pace_secret import secrets_in

    observer = build_observer(decoding, pace_secrets=secrets_in(parsed))
    return decode_trace(parsed, observer), observer


Decoding = tuple[list[DecodedExchange], Observer | None]


@trace.command("decode")
@click.argument("file", type=_FILE)
@json_option("Print one JSON array, one object each.")
@decoding_options
@click.option("--show-keys", is_flag=True, help="Also print the session keys derived.")
@format_option
def decode(
    file: Path,
    as_json: bool,
    decoding: DecodingKeys,
    show_keys: bool,
    trace_format: str | None,
) -> None:
    """Show a trace, with protected exchanges in plain beside the wire when keys are given.

    \b
    Example (a BAC session, keys derived from the MRZ and the BAC exchange in the trace):
      cardwire trace decode --mrz L898902C,690806,940623 session.trace
    Example (SCP03 with the static keys of the card):
      cardwire trace decode --json --scp03 404142434445464748494A4B4C4D4E4F,\\
    404142434445464748494A4B4C4D4E4F,404142434445464748494A4B4C4D4E4F gp.trace
    Example (SCP03 with master keys, diversified per card with GlobalPlatformPro's KDF3):
      cardwire trace decode --scp03 @master.keys --diversify kdf3 gp.trace
    Example (PACE recorded with `cardwire pace --can 123456 --trace-pace-secret ...`):
      cardwire trace decode --can 123456 pace.trace
    """
    entries, observer = _decoded(file, trace_format, decoding)
    if observer is not None and not any(e.decoded and e.decoded.mac_ok for e in entries):
        click.echo(
            f"note: no {observer.name} session found in this trace for the keys given "
            "(--mrz needs the BAC exchange, --scp03 INITIALIZE UPDATE, --keycard OPEN SECURE "
            "CHANNEL or --keycard-iv)",
            err=True,
        )
    if as_json:
        emit_json([{"line": entry.line, **entry.to_json()} for entry in entries])
        return
    if show_keys and observer is not None:
        for label, value in observer.session_keys():
            click.echo(f"{label}: {to_hex(value)}")
    if not sys.stdout.isatty():  # piped: one greppable line per exchange (docs/cli.md)
        for text in plain_lines(entries, observer is not None):
            click.echo(text)
        return
    console().print(_table(entries, observer is not None))


@trace.command("export")
@click.argument("file", type=_FILE)
@click.option(
    "--pcapng",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write pcapng here (Wireshark shows the APDUs as ISO 7816, no setting needed).",
)
@decoding_options
@format_option
def export(
    file: Path,
    out: Path,
    decoding: DecodingKeys,
    trace_format: str | None,
) -> None:
    """Write a trace as pcapng for Wireshark; decoded plain values as packet comments.

    Takes the decoding options of `trace decode`.

    \b
    Example:
      cardwire trace export --pcapng session.pcapng session.trace
    """
    from cardwire.trace.pcapng import pcapng_bytes

    entries, _observer = _decoded(file, trace_format, decoding)
    out.write_bytes(pcapng_bytes(entries))
    click.echo(f"{len(entries)} exchanges, {2 * len(entries)} packets written to {out}", err=True)


@trace.command("replay")
@click.argument("file", type=_FILE)
@target_options
@json_option()
@format_option
def replay(file: Path, target: CardTarget, as_json: bool, trace_format: str | None) -> None:
    """Send a trace's commands to a card again and report where the responses differ.

    Exit 0 when every response is identical, 1 when some differ.

    \b
    Example:
      cardwire trace replay --sim session.trace
    """
    parsed = _read(file, trace_format)
    transport = target.open()
    try:
        report = replay_trace(parsed, transport)
    finally:
        transport.close()
    if as_json:
        emit_json(report.to_json())
    else:
        out = console()
        for difference in report.differences:
            out.print(
                f"line {difference.line}: {to_hex(difference.command)}\n"
                f"  recorded {to_hex(difference.expected)}\n"
                f"  replayed {to_hex(difference.actual)}"
            )
        same = report.exchanges - len(report.differences)
        out.print(
            f"{report.exchanges} exchanges replayed, {same} identical, "
            f"{len(report.differences)} different"
        )
    if not report.identical:
        click.get_current_context().exit(EXIT_FAILED)


__all__ = ["DecodingKeys", "build_observer", "trace"]
