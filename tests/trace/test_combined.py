"""The done-when trace of issue 23: BAC on the eMRTD application on channel 0, a plain SELECT
ending it, PACE at the MF level, reads under SM, then MANAGE CHANNEL and SCP03 on the new
channel, recorded by ``Card(trace=True)``, decodes completely in one pass with the MRZ, the
PACE keys that ``open_pace`` hands out and the SCP03 keys (the CLI options combined)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.cli.app import cli
from cardwire.handshakes.bac import open_bac
from cardwire.handshakes.pace import open_pace
from cardwire.handshakes.scp03 import open_scp03
from cardwire.hexutil import to_hex
from cardwire.sim.applets.epassport.config import DEFAULT_CAN
from cardwire.sim.card import SimCard
from cardwire.sim.profile import EPASSPORT_AID, FILESYSTEM_AID, SECURITY_DOMAIN_AID
from cardwire.sm.bac import BacKeys
from cardwire.sm.pace import SessionKeys
from cardwire.sm.scp03 import StaticKeys
from cardwire.trace.combined import CombinedObserver
from cardwire.trace.decode import decode_trace
from cardwire.trace.iso_sm import IsoSmObserver
from cardwire.trace.scp03 import Scp03TraceObserver
from cardwire.trace.text import parse
from cardwire.transport.memory import MemoryTransport

MRZ = "L898902C<,690806,940623"
SELECT_MF = Command.decode(bytes.fromhex("00A4000C023F00"))  # ISO 7816-4 11.2.2
SELECT_DG1 = Command.decode(bytes.fromhex("00A4020C020101"))
READ_4 = Command.decode(bytes.fromhex("00B0000004"))
GET_STATUS_ISD = Command.decode(bytes.fromhex("80F28002024F0000"))  # GP 11.4


def record() -> tuple[str, SessionKeys]:
    keys: list[SessionKeys] = []
    with Card(MemoryTransport(SimCard()), trace=True) as card:
        card.select(EPASSPORT_AID)
        open_bac(card, MRZ)
        card.send(SELECT_DG1)
        card.send(READ_4)
        card.secure(None)
        # A plain SELECT ends BAC on the chip (ICAO 9303-11 9.8); the file system's MF is
        # where PACE runs (docs/simulator.md, the ICAO chip structure).
        card.select(FILESYSTEM_AID)
        card.send(SELECT_MF)
        open_pace(card, DEFAULT_CAN, kind="can", on_keys=keys.append)
        card.select(EPASSPORT_AID)  # protected: PACE's chip scope keeps the session
        card.send(SELECT_DG1)
        card.send(READ_4)
        channel = card.open_channel()
        channel.select(SECURITY_DOMAIN_AID)
        open_scp03(channel, StaticKeys.default(), aid=SECURITY_DOMAIN_AID)
        channel.send(GET_STATUS_ISD)
        card.send(READ_4)  # channel 0's PACE session is still there
        assert card.trace is not None
        return card.trace.text(), keys[0]


def test_bac_pace_and_scp03_on_another_channel_decode_completely() -> None:
    text, pace = record()
    observer = CombinedObserver(
        IsoSmObserver(
            bac=BacKeys.from_mrz("L898902C", "690806", "940623"),
            pace=[(pace.ks_enc, pace.ks_mac)],
        ),
        lambda: Scp03TraceObserver(StaticKeys.default()),
    )
    entries = decode_trace(parse(text), observer)
    # Every command with an SM indication decodes and verifies, but the handshake's EXTERNAL
    # AUTHENTICATE (GP Amendment D 7.1.2), which the observer checks as the session's start.
    protected = [e for e in entries if e.command[0] & 0x0C and e.command[1] != 0x82]
    assert len(protected) == 8
    assert all(e.decoded is not None and e.decoded.mac_ok for e in protected), [
        (to_hex(e.command), e.decoded) for e in protected if not (e.decoded and e.decoded.mac_ok)
    ]
    plain = [e.decoded.plain_command for e in entries if e.decoded is not None]
    assert plain.count(READ_4.encode()) == 3  # under BAC, under PACE, under PACE again
    gp = [p for p in plain if p is not None and p[1:2] == b"\xf2"]
    assert gp and gp[0][0] == 0x81  # GET STATUS on channel 1, SM bit removed


def test_the_cli_takes_the_keys_together(tmp_path: Path) -> None:
    text, pace = record()
    path = tmp_path / "session.trace"
    path.write_text(text)
    keys = StaticKeys.default()
    scp03 = ",".join(to_hex(k) for k in (keys.enc, keys.mac, keys.dek))
    args = ["trace", "decode", "--json", "--mrz", "L898902C,690806,940623"]
    args += ["--pace-keys", f"{to_hex(pace.ks_enc)},{to_hex(pace.ks_mac)}", "--scp03", scp03]
    result = CliRunner().invoke(cli, [*args, str(path)])
    assert result.exit_code == 0, result.output
    decoded = [e for e in json.loads(result.stdout) if "mac_ok" in e]
    assert len(decoded) >= 8 and all(e["mac_ok"] for e in decoded)
