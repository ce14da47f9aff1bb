"""Fail-closed attack rigs for every card-side protocol (issue 15): a simulated card with a
secure session open on channel 0, the host session that talks to it, a state-changing protected
command, and the card state to compare before and after a refused attack.

Attacks are sent straight to ``SimCard.process`` (as a man in the middle or a second program
on the reader would), bypassing the host's layers. ``Tally`` counts attempts, refusals,
plaintext accepted and state changes after a refusal; the last two must stay at 0.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.errors import CardwireError
from cardwire.handshakes import keycard as keycard_io
from cardwire.handshakes.bac import open_bac
from cardwire.handshakes.pace import open_pace, select_application
from cardwire.sim.applets.eid import DEFAULT_PIN, EID_AID
from cardwire.sim.applets.eid import default_config as eid_config
from cardwire.sim.applets.epassport.config import default_config
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.applets.security_domain import DEFAULT_AID as SD_AID
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.sm import keycard
from cardwire.sm.counter import CounterHost
from cardwire.sm.iso7816 import CounterPlacement, SmMode, make_suite
from cardwire.sm.scp03 import Scp03Handshake, StaticKeys
from cardwire.transport.memory import MemoryTransport

SPECIMEN = "L898902C<,690806,940623"
SCRATCH = 0x0110  # a writable EF only a protected UPDATE BINARY may change
PROTOCOLS = ("bac", "pace", "counter", "scp03", "keycard")
ISO_SM = ("bac", "pace", "counter")


class HostSide(Protocol):
    @property
    def active(self) -> bool: ...

    def protect(self, command: Command) -> Command: ...

    def unprotect(self, response: Response) -> Response: ...


@dataclass
class Rig:
    """One protocol's session on channel 0 of a simulated card."""

    name: str
    sim: SimCard
    host: HostSide
    target: Command  # a protected command that changes the card's state when accepted
    snapshot: Callable[[], str]  # the card state, to compare
    # The repro: a plain chained piece whose data, merged into the protected
    # ``repro`` command, makes a command the card accepts (old code: 9000).
    repro_piece: bytes = b"EVIL"
    repro: Command | None = None

    def raw(self, apdu: bytes) -> Response:
        return Response.decode(self.sim.process(apdu))

    def protected(self, command: Command) -> Response:
        """Protect on the host, answer from the card, unprotect: the plain answer. A refusal
        in plain (the card's session is gone) comes back as its bare status word."""
        answer = self.raw(self.host.protect(command).encode())
        try:
            return self.host.unprotect(answer)
        except CardwireError:
            return Response(b"", answer.sw if answer.sw != 0x9000 else 0x6F00)

    def card_session_alive(self, channel: int = 0) -> bool:
        ctx = self.sim._os.context(channel)
        return ctx is not None and ctx.secure_session is not None and ctx.secure_session.active

    def plain_piece(self, data: bytes = b"EVIL", of: Command | None = None) -> bytes:
        """The header of ``of`` (default: the target) with the chaining bit (CLA b5), plain."""
        c = self.target if of is None else of
        return Command(c.cla | 0x10, c.ins, c.p1, c.p2, data).encode()

    def accepted(self, command: Command) -> bool:
        """Whether the card took ``command`` under the session: an answer the host verified
        with 9000 (or 63Cx, a wrong PIN counted). GP answers an error without R-MAC, so a
        verified refusal is not an acceptance."""
        answer = self.raw(self.host.protect(command).encode())
        try:
            sw = self.host.unprotect(answer).sw
        except CardwireError:
            return False
        return sw == 0x9000 or sw >> 4 == 0x63C


@dataclass
class Tally:
    """What the fail-closed suites count (reported in docs/reliability.md)."""

    attempts: int = 0
    refusals: int = 0
    plaintext_accepted: int = 0
    state_changes: int = 0

    def add(self, other: Tally) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def _state(payload: Any) -> str:
    return hashlib.sha256(repr(payload).encode()).hexdigest()


def _card_state(sim: SimCard) -> Callable[[], str]:
    return lambda: _state(sim._os.export_states())


def _passport(sim: SimCard) -> Callable[[], str]:
    from tamper import scratch_of

    return lambda: _state([scratch_of(sim).hex(), sim._os.export_states()])


def bac_rig() -> Rig:
    config = default_config()
    config["files"].append(
        {"fid": f"{SCRATCH:04X}", "sfi": 16, "size": 64, "access": {"read": "sm", "update": "sm"}}
    )
    section = {k: v for k, v in config.items() if k not in ("type", "aid")}
    sim = SimCard(Profile(CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, section),)))
    card = Card(MemoryTransport(sim))
    card.select(EPASSPORT_AID)
    host = open_bac(card, SPECIMEN)
    target = Command(0x00, 0xD6, 0x00, 0x00, b"GOOD")
    rig = Rig("bac", sim, host, target, _passport(sim), b"EVIL", target)
    select = Command(0x00, 0xA4, 0x02, 0x0C, SCRATCH.to_bytes(2, "big"))
    assert rig.protected(select).sw == 0x9000
    return rig


def pace_rig() -> Rig:
    section = {k: v for k, v in eid_config().items() if k not in ("type", "aid")}
    sim = SimCard(Profile(CardOptions(), (AppletSpec("eid", EID_AID, section),)))
    card = Card(MemoryTransport(sim))
    select_application(card, EID_AID)
    host = open_pace(card, DEFAULT_PIN, kind="pin")
    # RESET RETRY COUNTER with a new PIN (BSI TR-03110-2 / ISO 7816-4 11.5.10).
    target = Command(0x00, 0x2C, 0x02, 0x03, b"12345")
    rig = Rig("pace", sim, host, target, _card_state(sim), b"9")
    rig.repro = target  # the PIN would become 912345
    return rig


# The default profile's documented counter_sm keys (docs/simulator.md, defaults table).
COUNTER_KEY_ENC = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
COUNTER_KEY_MAC = bytes.fromhex("8899AABBCCDDEEFF0011223344556677")


def counter_rig() -> Rig:
    sim = SimCard()
    assert Response.decode(sim.process(bytes.fromhex("00A4040C0AF0636172647769726501"))).sw == (
        0x9000
    )
    challenge = Response.decode(sim.process(bytes.fromhex("0084000002")))
    host = CounterHost.from_challenge(
        make_suite("aes", COUNTER_KEY_ENC, COUNTER_KEY_MAC),
        challenge.data,
        width=2,
        placement=CounterPlacement("data-object"),
        mode=SmMode("combined"),
    )
    # SELECT the EF readable only under the session: a plain piece merged into it would pass.
    target = Command(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("5007"))
    repro = Command(0x00, 0xA4, 0x02, 0x0C, b"\x07")  # 50 + 07: EF 5007, SM only
    return Rig("counter", sim, host, target, _card_state(sim), b"\x50", repro)


def scp03_rig() -> Rig:
    sim = SimCard(rng=bytes)
    assert Response.decode(sim.process(Command(0x00, 0xA4, 0x04, 0x0C, SD_AID).encode())).sw == (
        0x9000
    )
    handshake = Scp03Handshake(StaticKeys.default(), level=0x33, rng=lambda n: bytes(range(n)))
    answer = Response.decode(sim.process(handshake.initialize_update().encode()))
    final = handshake.external_authenticate(answer)
    host = handshake.complete(Response.decode(sim.process(final.encode())))
    target = Command(0x80, 0xCA, 0x00, 0xE0, ne=256)  # GET DATA key information
    return Rig("scp03", sim, host, target, _card_state(sim), b"", target)


def keycard_rig() -> Rig:
    def rng(seed: int) -> Callable[[int], bytes]:
        state = [seed]

        def draw(n: int) -> bytes:
            state[0] += 1
            return hashlib.sha512(state[0].to_bytes(4, "big")).digest()[:n]

        return draw

    sim = SimCard(rng=rng(21))
    card = Card(MemoryTransport(sim))
    info = keycard_io.select_keycard(card)
    secret = keycard.pairing_secret(keycard.DEFAULT_PAIRING_PASSWORD)
    pairing = keycard_io.pair(card, secret, rng=rng(22))
    host = keycard_io.open_keycard(card, pairing, info.public_key, rng=rng(23))
    target = Command(0x80, 0x20, 0x00, 0x00, b"123456")  # VERIFY PIN (the default PIN)
    repro = Command(0x80, 0x20, 0x00, 0x00, b"3456")  # 12 + 3456: the default PIN
    return Rig("keycard", sim, host, target, _card_state(sim), b"12", repro)


RIGS: dict[str, Callable[[], Rig]] = {
    "bac": bac_rig,
    "pace": pace_rig,
    "counter": counter_rig,
    "scp03": scp03_rig,
    "keycard": keycard_rig,
}
