"""A chain protected whole under SCP03 (cardwire.sim.chain, cardwire.sm.scp03._whole_chain): the
host protects a long STORE DATA as one command (its C-MAC over the extended Lc of the whole
data, as yubikit's ScpProcessor does) and sends the protected data in chained pieces; the card
collects them, unwraps the whole and the Security Domain keeps the certificate chain. A piece
changed on the way fails the C-MAC of the whole and ends the session."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from cardwire.apdu import Command, Response
from cardwire.sim.applets.security_domain import DEFAULT_AID, SecurityDomainApplet
from cardwire.sim.applets.security_domain.scp11 import Scp11Config, Scp11TestPki
from cardwire.sim.card import SimCard
from cardwire.sm.scp03 import Scp03Handshake, Scp03HostSession, StaticKeys
from cardwire.sm.scp03._whole_chain import protected_whole
from cardwire.tlv import tlv

PKI = Scp11TestPki(Scp11Config())
LEAF = PKI.sd_certificate.public_bytes(serialization.Encoding.DER)  # 300-odd bytes
STORE = tlv(0xA6, tlv(0x83, b"\x13\x01")) + tlv(0xBF21, LEAF)  # the leaf alone


def exchange(sim: SimCard, command: Command) -> Response:
    return Response.decode(sim.process(command.encode()))


def opened(sim: SimCard) -> Scp03HostSession:
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x00, DEFAULT_AID)).sw == 0x9000
    handshake = Scp03Handshake(StaticKeys.default(), level=0x33)
    answer = exchange(sim, handshake.initialize_update())
    return handshake.complete(exchange(sim, handshake.external_authenticate(answer)))


def sim_session(sim: SimCard) -> object:
    ctx = sim._os.context(0)  # the card session of channel 0 (as tests/fail_closed.py reads it)
    assert ctx is not None and ctx.secure_session is not None
    return ctx.secure_session


def stored_chain(sim: SimCard) -> bytes:
    applet = sim.applet(DEFAULT_AID)
    assert isinstance(applet, SecurityDomainApplet) and applet.scp11 is not None
    return applet.scp11.store.certificates(0x13, 0x01)


def pieces(protected: Command, size: int = 255) -> list[Command]:
    data = protected.data
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    last = len(parts) - 1
    return [
        Command(protected.cla | (0x10 if i < last else 0), protected.ins, protected.p1, 0, part)
        for i, part in enumerate(parts)
    ]


def test_a_chain_protected_whole_reaches_the_security_domain() -> None:
    sim = SimCard()
    host = opened(sim)
    protected = host.protect(Command(0x80, 0xE2, 0x90, 0x00, STORE))
    sent = pieces(protected)
    assert len(sent) == 2 and sent[0].nc == 255  # yubikit's pieces: full short APDUs
    answers = [exchange(sim, piece) for piece in sent]
    assert [a.sw for a in answers] == [0x9000] * len(sent)
    host.unprotect(answers[-1])  # the R-MAC of the whole command's answer
    assert stored_chain(sim) == LEAF


def test_a_changed_piece_fails_the_whole_and_ends_the_session() -> None:
    sim = SimCard()
    host = opened(sim)
    sent = pieces(host.protect(Command(0x80, 0xE2, 0x90, 0x00, STORE)))
    first = sent[0]
    sent[0] = Command(first.cla, first.ins, first.p1, first.p2, bytes(1) + first.data[1:])
    answers = [exchange(sim, piece) for piece in sent]
    assert [a.sw for a in answers] == [0x9000] * (len(sent) - 1) + [0x6982]
    assert exchange(sim, Command(0x80, 0xF2, 0x80, 0x02, b"\x4f\x00")).sw == 0x6985
    assert stored_chain(sim) == PKI.certificate_store()  # nothing stored


def test_per_piece_protection_still_works() -> None:
    # cardwire's own host protects each piece (ISO 7816-4:2020 5.3.3 with clause 10): the first
    # piece carries a C-MAC that verifies, so the card unwraps piece by piece.
    sim = SimCard()
    host = opened(sim)
    half = len(STORE) // 2
    first = host.protect(Command(0x90, 0xE2, 0x90, 0x00, STORE[:half]))
    host.unprotect(exchange(sim, first))
    last = host.protect(Command(0x80, 0xE2, 0x90, 0x00, STORE[half:]))
    host.unprotect(exchange(sim, last))
    assert stored_chain(sim) == LEAF


def test_only_a_full_protected_piece_under_an_scp03_channel_is_held() -> None:
    assert not protected_whole(object(), Command(0x94, 0xE2, 0x90, 0x00, bytes(255)))
    sim = SimCard()
    opened(sim)
    session = sim_session(sim)
    assert protected_whole(session, Command(0x94, 0xE2, 0x90, 0x00, bytes(255)))
    assert not protected_whole(session, Command(0x94, 0xE2, 0x90, 0x00, bytes(254)))
    assert not protected_whole(session, Command(0x90, 0xE2, 0x90, 0x00, bytes(255)))  # plain


def test_a_plain_end_of_a_chain_protected_whole_is_refused_and_ends_the_session() -> None:
    # ISO 7816-4:2020 5.3.3 with clause 10: a plain piece under a session is refused (6987),
    # nothing of the chain kept, and the session ends (the rule of every other chain).
    sim = SimCard()
    host = opened(sim)
    sent = pieces(host.protect(Command(0x80, 0xE2, 0x90, 0x00, STORE)))
    assert exchange(sim, sent[0]).sw == 0x9000  # held: the first piece of a whole chain
    last = sent[-1]
    plain_end = Command(0x80, last.ins, last.p1, last.p2, last.data)  # SM bit cleared
    assert exchange(sim, plain_end).sw == 0x6987
    assert exchange(sim, Command(0x80, 0xF2, 0x80, 0x02, b"\x4f\x00")).sw == 0x6985  # no session
    assert stored_chain(sim) == PKI.certificate_store()  # nothing stored


def test_a_chain_protected_whole_is_forgotten_when_its_session_ends() -> None:
    # GP Card Spec 10.2.3: a malformed APDU ends the session; the held piece belongs to it and
    # must not swallow (6883) the first command of the next session.
    sim = SimCard()
    host = opened(sim)
    sent = pieces(host.protect(Command(0x80, 0xE2, 0x90, 0x00, STORE)))
    assert exchange(sim, sent[0]).sw == 0x9000  # held
    assert Response.decode(sim.process(b"\x84")).sw == 0x6700  # malformed: the session ends
    host = opened(sim)
    answer = exchange(sim, host.protect(Command(0x80, 0xF2, 0x80, 0x02, b"\x4f\x00", ne=256)))
    assert host.unprotect(answer).sw == 0x9000
    assert stored_chain(sim) == PKI.certificate_store()  # nothing of the old chain stored
