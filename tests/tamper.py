"""The tamper matrix against the simulated ePassport, shared by the BAC and PACE integration
tests: raw exchanges with the card, one-bit flips of a protected command or answer, and the
scratch EF that only a protected UPDATE BINARY may change (so "nothing changed" is checkable).

Bit ``n`` of a wire is bit ``7 - n % 8`` of byte ``n // 8``: bit 0 is the first byte's most
significant bit.
"""

from __future__ import annotations

import pytest

from cardwire.apdu import Command, Response
from cardwire.errors import SecureChannelError, SessionClosedError
from cardwire.sim.applets.epassport.applet import EpassportApplet
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.card import SimCard
from cardwire.sim.fs import ElementaryFile
from cardwire.sm.iso7816 import IsoSmHost

SCRATCH = 0x0110  # a writable EF the tests add to the ePassport: update only under SM
SW_OK = b"\x90\x00"


def send(sim: SimCard, command: Command | bytes) -> Response:
    raw = command.encode() if isinstance(command, Command) else command
    return Response.decode(sim.process(raw))


def flipped(wire: bytes, bit: int) -> bytes:
    changed = bytearray(wire)
    changed[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(changed)


def scratch_of(sim: SimCard) -> bytes:
    applet = sim.applet(EPASSPORT_AID)
    assert isinstance(applet, EpassportApplet)
    ef = applet.files.child(SCRATCH)
    assert isinstance(ef, ElementaryFile)
    return bytes(ef.data)


def select_scratch(sim: SimCard, session: IsoSmHost) -> None:
    """SELECT the scratch EF under secure messaging (ISO 7816-4 11.2.2, by file identifier)."""
    select = session.protect(Command(0, 0xA4, 0x02, 0x0C, SCRATCH.to_bytes(2, "big")))
    assert session.unprotect(send(sim, select)).sw == 0x9000


def assert_flipped_command_refused(
    sim: SimCard, session: IsoSmHost, command: Command, bit: int
) -> None:
    """The protected ``command`` with ``bit`` flipped is refused in plain and changes nothing."""
    before = scratch_of(sim)
    answer = sim.process(flipped(session.protect(command).encode(), bit))
    assert answer[-2:] != SW_OK
    assert len(answer) == 2  # refused in plain, never wrapped
    assert scratch_of(sim) == before


def assert_flipped_answer_ends_session(
    sim: SimCard, session: IsoSmHost, command: Command, bit: int, then: Command | None = None
) -> None:
    """The card's answer to the protected ``command``, with ``bit`` flipped, fails on the host
    and ends the host session: protecting ``then`` (default: ``command``) is refused."""
    wire = send(sim, session.protect(command)).encode()
    with pytest.raises(SecureChannelError):
        session.unprotect(Response.decode(flipped(wire, bit)))
    with pytest.raises(SessionClosedError):
        session.protect(command if then is None else then)
