"""``cardwire run --gpshell FILE``: run a GPShell script (grammar: cardwire.scripting.gpshell).

The whole script is checked first (its syntax and options, and every CAP file it names is read
and parsed), then run statement by statement on the card that ``--sim|--reader`` names; each
GP command is cardwire's own (``cardwire gp``'s INSTALL, LOAD, DELETE, GET STATUS, PUT KEY).
As GPShell does, a command the card refuses stops the script (exit 1), except
``send_apdu_nostop``. CAP files are looked for in the current directory, then beside the
script. ``enable_trace`` prints every APDU from there on (as ``--verbose`` does).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from cardwire import commands, gp
from cardwire.apdu import Command
from cardwire.cap import CapFile
from cardwire.card import Card
from cardwire.cli.gp_cmd import open_secure, unchecked
from cardwire.cli.gp_load_cmd import install_instance, load_cap
from cardwire.cli.target import CardTarget, Disconnect, open_card
from cardwire.errors import CardwireError, UsageError
from cardwire.gp_content import InstallForLoad, install_for_load, load_blocks
from cardwire.gp_info import life_cycle_name, parse_card_data, privilege_names, read_any_status
from cardwire.hexutil import to_hex
from cardwire.scripting.gpshell import GpStatement, key_text, parse_gpshell
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.trace.recorder import TraceEntry

_SCOPES = {
    0x80: (gp.StatusScope.ISSUER_SECURITY_DOMAIN,),
    0x40: (gp.StatusScope.APPLICATIONS,),
    0x20: (gp.StatusScope.LOAD_FILES,),
    0x10: (gp.StatusScope.LOAD_FILES_AND_MODULES,),
    0xE0: (  # GPShell's "e0": all three kinds (GPC 11.4.2.1 table 11-33, one P1 each)
        gp.StatusScope.ISSUER_SECURITY_DOMAIN,
        gp.StatusScope.APPLICATIONS,
        gp.StatusScope.LOAD_FILES_AND_MODULES,
    ),
}
_KIND = {0x80: "ISD", 0x40: "APP", 0x20: "PKG", 0x10: "PKG"}


@dataclass
class GpShellScript:
    """The checked statements and the CAP files they name (read before anything is sent)."""

    statements: list[GpStatement]
    caps: dict[int, CapFile] = field(default_factory=dict)  # by line


def _find(name: str, script_dir: Path) -> Path:
    for candidate in (Path(name), script_dir / name):
        if candidate.is_file():
            return candidate
    raise UsageError(f"-file {name}: no such file here or beside the script")


def check_gpshell(path: str) -> GpShellScript:
    """Parse ``path`` and read its CAP files; UsageError names the file and the line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the GPShell script {path}: {exc}") from exc
    try:
        script = GpShellScript(parse_gpshell(text, os.environ))
        for statement in script.statements:
            if "file" in statement.options:
                try:
                    where = _find(statement.options["file"], Path(path).parent)
                    script.caps[statement.line] = CapFile.read(where)
                except UsageError as exc:
                    raise UsageError(f"line {statement.line}: {exc}") from exc
    except UsageError as exc:
        raise UsageError(f"{path}: {exc}") from exc
    return script


@dataclass
class _State:
    card: Card
    selected: bytes = DEFAULT_AID
    session: dict[str, Any] | None = None
    tracing: bool = False
    sent: int = 0


def _open_sc(state: _State, statement: GpStatement) -> str:
    assert statement.secure is not None
    values = {**statement.secure, "aid": to_hex(state.selected)}
    protocol = values.pop("protocol")
    if protocol is None:
        # GPShell reads the channel from the card (its manual, open_sc): card recognition
        # data, tag 66 (GPC H.2), after selecting the Security Domain.
        state.card.send(commands.select_by_aid(state.selected))
        answer = state.card.send(gp.get_data(gp.TAG_CARD_DATA), check=False)
        found = parse_card_data(answer.data).get("scp") if answer.sw == 0x9000 else None
        if found not in ("02", "03"):
            raise UsageError("open_sc: the card does not say its SCP: give -scp 2 or -scp 3")
        protocol = f"scp{found}"
        if found == "02":
            values.setdefault("i", parse_card_data(answer.data).get("scp_i", "55"))
    values["scp"] = protocol[-2:]
    open_secure(state.card, values)
    state.session = values
    return f"secure channel open ({protocol.upper()}, key version {values['kvn']})"


def _status(state: _State, element: int) -> list[str]:
    lines = []
    for scope in _SCOPES[element]:
        for entry in read_any_status(unchecked(state.card), scope):
            kind = _KIND[int(scope)]
            if kind == "APP" and entry.privileges[:1] and entry.privileges[0] & 0x80:
                kind = "SD"
            lines.append(
                f"{kind}: {to_hex(entry.aid)} ({life_cycle_name(scope, entry.life_cycle)})"
            )
            if entry.privileges:
                lines.append(f"     Privs:  {', '.join(privilege_names(entry.privileges))}")
            lines.extend(f"     Applet: {to_hex(module)}" for module in entry.modules)
    return lines


def _put_key(state: _State, statement: GpStatement) -> str:
    if state.session is None or state.session["scp"] not in ("02", "03"):
        raise UsageError("put_sc_key: open an SCP02 or SCP03 channel first")
    new_kvn = statement.number("newkeyver")
    old = statement.number("keyver") or None  # GPShell: 0 adds a key set, else replaces it
    if state.session["scp"] == "02":
        # 3DES keys under the DEK session key (GP Card Spec E.4.7; docs/scp02.md).
        from cardwire.cli.scp02_cmd import parse_keys as parse_des_keys
        from cardwire.gp_des_keys import check_put_des_keys_answer, put_des_keys
        from cardwire.sm.scp02 import Scp02HostSession

        session = state.card.session
        if not isinstance(session, Scp02HostSession):
            raise UsageError("put_sc_key: the SCP02 channel is not open any more")
        des_keys = parse_des_keys(key_text(statement), new_kvn)
        answer = state.card.send(put_des_keys(des_keys, session.session_dek, replace_kvn=old))
        check_put_des_keys_answer(answer.data, des_keys)  # GPC 11.8.3.1: KCVs match
        return f"key set {new_kvn:02X} stored, KCVs verified"
    from cardwire.cli.scp03_cmd import parse_keys

    keys = parse_keys(key_text(statement), new_kvn)
    current = parse_keys(str(state.session["keys"]), int(state.session["kvn"], 16))
    answer = state.card.send(gp.put_key(keys, current.dek, replace_kvn=old))
    gp.check_put_key_answer(answer.data, keys)  # GPC 11.8.3.1: KCVs match
    return f"key set {new_kvn:02X} stored, KCVs verified"


def _send_apdu(state: _State, statement: GpStatement) -> tuple[list[str], bool]:
    apdu = statement.hex("APDU")
    if statement.number("sc", 1) == 0 and state.session is not None:
        raw = state.card.transmit(apdu)  # -sc 0: past the secure channel, as GPShell does
        data, sw = raw[:-2], int.from_bytes(raw[-2:], "big")
    else:
        response = state.card.send(Command.decode(apdu), check=False)
        data, sw = response.data, response.sw
    shown = f"< {to_hex(data)} {sw:04X}" if data else f"< {sw:04X}"
    return [shown], sw == 0x9000 or sw >> 8 == 0x61


def _run_one(state: _State, statement: GpStatement, caps: dict[int, CapFile]) -> list[str]:
    card, name = state.card, statement.command
    if name == "enable_trace":
        state.tracing = True
    elif name == "card_disconnect":
        card.secure(None)
        state.session = None
    elif name == "select":
        state.selected = statement.hex("AID")
        card.send(commands.select_by_aid(state.selected))
    elif name == "open_sc":
        return [_open_sc(state, statement)]
    elif name == "install":
        cap = caps[statement.line]
        if statement.has("pkgAID") and statement.hex("pkgAID") != cap.package_aid:
            raise UsageError(f"install: -pkgAID is not the CAP file's {to_hex(cap.package_aid)}")
        blocks = load_cap(card, cap, hash_algorithm=None, block_size=0xEF)
        module = statement.hex("AID") if statement.has("AID") else cap.applet_aids[0]
        instance = statement.hex("instAID") if statement.has("instAID") else module
        params = statement.hex("instParam") if statement.has("instParam") else b""
        priv = bytes((statement.number("priv") & 0xFF,))
        install_instance(card, cap.package_aid, module, instance, priv, params)
        return [
            f"loaded {to_hex(cap.package_aid)} in {blocks} blocks",
            f"installed {to_hex(instance)}",
        ]
    elif name == "install_for_load":
        sd = statement.hex("sdAID") if statement.has("sdAID") else b""
        card.send(install_for_load(InstallForLoad(statement.hex("pkgAID"), sd)))
    elif name == "load":
        cap = caps[statement.line]
        count = 0
        for block in load_blocks(cap.load_file_data_block(), 0xEF):
            card.send(block)
            count += 1
        return [f"loaded {to_hex(cap.package_aid)} in {count} blocks"]
    elif name == "install_for_install":
        module = statement.hex("AID")
        instance = statement.hex("instAID") if statement.has("instAID") else module
        params = statement.hex("instParam") if statement.has("instParam") else b""
        priv = bytes((statement.number("priv") & 0xFF,))
        install_instance(card, statement.hex("pkgAID"), module, instance, priv, params)
        return [f"installed {to_hex(instance)}"]
    elif name == "delete":
        card.send(gp.delete(statement.hex("AID")))
        return [f"deleted {to_hex(statement.hex('AID'))}"]
    elif name == "get_status":
        return _status(state, statement.element())
    elif name == "get_data":
        answer = card.send(gp.get_data(int.from_bytes(statement.hex("identifier"), "big")))
        return [f"< {to_hex(answer.data)} {answer.sw:04X}"]
    elif name == "put_sc_key":
        return [_put_key(state, statement)]
    elif name.startswith("send_apdu"):
        lines, ok = _send_apdu(state, statement)
        if not ok and name == "send_apdu":
            raise _Refused(lines[0])
        return lines
    return []


class _Refused(CardwireError):
    """send_apdu answered other than 9000 (GPShell stops there; send_apdu_nostop goes on)."""


def run_gpshell(path: str, target: CardTarget, *, verbose: bool, reset: bool, leave: bool) -> int:
    """Run the checked script; returns the exit code (0, or the error's)."""
    script = check_gpshell(path)
    state: _State | None = None

    def on_wire(entry: TraceEntry) -> None:
        if verbose or (state is not None and state.tracing):
            click.echo(f"  => {to_hex(entry.command)}")
            click.echo(f"  <= {to_hex(entry.response)}")

    disconnect = Disconnect(leave=leave)
    ran = 0
    with open_card(target, on_wire=on_wire, reset=reset, disconnect=disconnect) as card:
        state = _State(card)
        for statement in script.statements:
            if statement.command == "open_sc":
                disconnect.secure = True
            try:
                lines = _run_one(state, statement, script.caps)
            except CardwireError as exc:
                click.echo(f"error: line {statement.line}: {statement.command}: {exc}", err=True)
                return exc.exit_code
            ran += 1
            for line in lines:
                click.echo(line)
    click.echo(f"{ran} GPShell statements run")
    return 0


__all__ = ["GpShellScript", "check_gpshell", "run_gpshell"]
