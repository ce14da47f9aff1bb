"""SCP02 against recorded sessions of GPShell's library (kaoh/globalplatform scp02Test.c, in
tests/vectors/scp02_globalplatform_sessions.json): i = 15 at level 01 (GET STATUS) and level
03 (DELETE, INSTALL, two LOAD blocks: C-MAC and C-DECRYPTION chained over six commands).

The host reproduces INITIALIZE UPDATE, EXTERNAL AUTHENTICATE and every wrapped command from
the plain one; the card side reproduces the recorded answer to INITIALIZE UPDATE, accepts the
recorded EXTERNAL AUTHENTICATE and unwraps every command (its C-MAC verifies). The source
gives the AIDs of the two DELETE commands (D0D1D2D3D4D50101, D0D1D2D3D4D501, P2 80): their
plain commands are checked; the INSTALL and LOAD commands carry a CAP file the source does not
hold, so their plain text is what the card side recovers, wrapped again by the host.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cardwire.apdu import Command, Response
from cardwire.sm.scp02 import I_15, Scp02Card, Scp02Handshake, StaticKeys

VECTORS = json.loads(
    (Path(__file__).parents[1] / "vectors" / "scp02_globalplatform_sessions.json").read_text()
)
KEY = bytes.fromhex(VECTORS["keys"])
SESSIONS = {session["name"]: session for session in VECTORS["sessions"]}


def hex_bytes(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_host_and_card_reproduce_the_recorded_session(name: str) -> None:
    session: dict[str, Any] = SESSIONS[name]
    answer = hex_bytes(session["answer"])
    host = Scp02Handshake(
        StaticKeys(KEY, KEY, KEY, 0),  # kvn 00: the card's default key set (it says 01)
        level=session["level"],
        option=I_15,
        rng=lambda _n: hex_bytes(session["host_challenge"]),
    )
    initialize = host.initialize_update()
    assert initialize.encode() == hex_bytes(session["initialize_update"])
    external = host.external_authenticate(Response(answer))
    assert external.encode() == hex_bytes(session["external_authenticate"])
    host_session = host.complete(Response(b"", 0x9000))

    card = Scp02Card(
        [StaticKeys(KEY, KEY, KEY, answer[10])],
        bytes.fromhex("A000000151000000"),
        option=I_15,
        diversification_data=answer[:10],
        rng=lambda _n: answer[14:20],  # i = 15: the card challenge is random
    )
    counter = int.from_bytes(answer[12:14], "big")
    assert card.initialize_update(Command.decode(initialize.encode()), counter).data == answer
    _done, card_session = card.external_authenticate(Command.decode(external.encode()))

    for step in session["commands"]:
        wire = hex_bytes(step["wire"])
        plain = card_session.unwrap(Command.decode(wire))
        if step["plain"] is not None:
            assert plain.encode() == hex_bytes(step["plain"])
        assert host_session.protect(plain).encode() == wire
