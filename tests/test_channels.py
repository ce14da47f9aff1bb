"""Logical channels on the host (ISO/IEC 7816-4 5.4.2, MANAGE CHANNEL) against the simulated
card: card-assigned numbers, CLA channel bits, per-channel state and secure slot, close."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire import commands
from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.channels import Channel, assigned_channel
from cardwire.cla import channel_of
from cardwire.errors import DecodeError, SessionClosedError, StatusError, UsageError
from cardwire.sim import open_card
from cardwire.sim.card import SimCard
from cardwire.transport.memory import MemoryTransport

APP_1 = bytes.fromhex("F0636172647769726501")
APP_2 = bytes.fromhex("F0636172647769726502")


class CountingSession:
    """A pass-through HostSecureSession that counts what it protected."""

    def __init__(self) -> None:
        self.active = True
        self.max_payload = 200
        self.protected: list[Command] = []

    def protect(self, command: Command) -> Command:
        self.protected.append(command)
        return command

    def unprotect(self, response: Response) -> Response:
        return response

    def close(self) -> None:
        self.active = False


def sim_card() -> Card:
    return Card(MemoryTransport(SimCard()), trace=True)


def wire_classes(card: Card) -> list[int]:
    assert card.trace is not None
    return [entry.command[0] for entry in card.trace.entries]


@pytest.mark.parametrize(
    ("data", "number"), [("01", 1), ("03", 3), ("04", 4), ("13", 19), ("", None), ("00", None),
                         ("14", None), ("0102", None)]
)  # fmt: skip
def test_assigned_channel(data: str, number: int | None) -> None:
    response = Response(bytes.fromhex(data), 0x9000)
    if number is None:
        with pytest.raises(DecodeError):
            assigned_channel(response)
    else:
        assert assigned_channel(response) == number


@given(st.binary(max_size=4), st.integers(0, 0xFFFF))
def test_any_answer_gives_a_channel_or_decode_error(data: bytes, sw: int) -> None:
    try:
        number = assigned_channel(Response(data, sw))
    except DecodeError:
        assert len(data) != 1 or not 1 <= data[0] <= 19
    else:
        assert number == data[0]


def test_open_assigns_numbers_and_sets_cla_bits() -> None:
    card = sim_card()
    channels = [card.open_channel() for _ in range(5)]
    assert [c.number for c in channels] == [1, 2, 3, 4, 5]
    assert sorted(card.channels) == [1, 2, 3, 4, 5]
    fifth = channels[4]
    fifth.select(APP_2)
    fifth.select(bytes.fromhex("6001"))
    assert fifth.read_file() == b"second application"
    # channels 4-19 use the further interindustry class (ISO 7816-4 5.4.1, table 3)
    assert all(channel_of(cla) == 5 for cla in wire_classes(card)[-3:])
    assert wire_classes(card)[-1] == 0x41


def test_channels_keep_their_own_selection() -> None:
    card = sim_card()
    other = card.open_channel()
    card.select(APP_1)
    card.select(bytes.fromhex("5001"))
    other.select(APP_2)
    other.select(bytes.fromhex("6001"))
    for _ in range(3):
        assert card.read_file() == b"Hello from the cardwire card."
        assert other.read_file() == b"second application"


def test_security_status_is_per_channel() -> None:
    card = sim_card()
    other = card.open_channel()
    card.select(APP_1)
    other.select(APP_1)
    card.verify(1, "1234")
    assert card.read_file(sfi=3) == b"top secret: 42"
    with pytest.raises(StatusError) as info:
        other.read_file(sfi=3)
    assert info.value.sw == 0x6982


def test_command_cla_is_rewritten_to_the_channel() -> None:
    card = sim_card()
    other = card.open_channel()
    command = Command(0x02, 0xA4, 0x04, 0x00, APP_2, 256)  # built for channel 2
    assert other.on_channel(command).cla == 0x01
    other.send(command)
    assert wire_classes(card)[-1] == 0x01


def test_open_from_another_channel_is_sent_there() -> None:
    card = sim_card()
    first = card.open_channel()
    second = first.open_channel()
    assert second.number == 2
    assert wire_classes(card)[-1] == 0x01  # MANAGE CHANNEL sent on channel 1


def test_close_sends_manage_channel_and_forgets() -> None:
    card = sim_card()
    with card.open_channel() as channel:
        channel.select(APP_1)
    assert card.trace is not None
    assert card.trace.entries[-1].command == bytes.fromhex("01708001")
    assert channel.closed
    assert card.channels == {}
    with pytest.raises(UsageError):
        channel.select(APP_1)
    channel.close()  # idempotent
    # the card closed it too: 6881, logical channel not supported / not open
    assert card.transmit(bytes.fromhex("01A4040C0AF0636172647769726501"))[-2:] == b"\x68\x81"
    assert card.open_channel().number == 1  # the number is free again


def test_each_channel_has_its_own_secure_slot() -> None:
    card = sim_card()
    other = card.open_channel()
    session = CountingSession()
    other.secure(session)
    card.select(APP_1)
    assert session.protected == []
    other.select(APP_2)
    assert [c.cla for c in session.protected] == [0x01]
    other.close()  # closing ends the channel's session
    assert not session.active


def test_close_ends_the_channels_secure_session_first() -> None:
    # The card OS answers MANAGE CHANNEL in plain and drops the channel's security status
    # (ISO/IEC 7816-4:2020 5.4.2): the host must not expect a protected answer.
    from cardwire.handshakes.bac import MrzInformation, open_bac
    from cardwire.sim.applets.epassport.lds import EPASSPORT_AID

    card = open_card()
    channel = card.open_channel()
    channel.send(commands.select_by_aid(EPASSPORT_AID, fci=commands.SelectReturn.NONE))
    session = open_bac(channel, MrzInformation("L898902C<", "690806", "940623"))
    channel.secure(session)
    channel.close()
    assert channel.closed and not session.active
    assert card.open_channel().number == channel.number  # the card freed the number


# -- atomic close (issue 15, defect 3) ----------------------------------------------------------


class MarkingSession(CountingSession):
    """Protects GET CHALLENGE by setting P2 to 01, so a plain one on the wire is visible."""

    def protect(self, command: Command) -> Command:
        if not self.active:
            raise SessionClosedError("ended")
        return command.replace(p2=0x01)


class RecordingWire(MemoryTransport):
    def __init__(self) -> None:
        super().__init__(SimCard())
        self.sent: list[bytes] = []
        self.guard = threading.Lock()

    def transmit(self, apdu: bytes) -> bytes:
        with self.guard:
            self.sent.append(bytes(apdu))
        return super().transmit(apdu)


TRIALS = 150


def test_send_racing_close_never_goes_out_plain_nor_after_the_close() -> None:
    wire = RecordingWire()
    card = Card(wire)
    attempts = refusals = leaks = landings = 0
    for _ in range(TRIALS):
        start = len(wire.sent)
        channel = card.open_channel()
        channel.secure(MarkingSession())
        started = threading.Event()
        counts = {"sent": 0, "refused": 0}

        def hammer(
            target: Channel = channel,
            counts: dict[str, int] = counts,
            started: threading.Event = started,
        ) -> None:
            started.set()
            while True:
                try:
                    target.send(commands.get_challenge(8), check=False)
                except (SessionClosedError, UsageError):
                    counts["refused"] += 1
                    return
                counts["sent"] += 1

        worker = threading.Thread(target=hammer)
        worker.start()
        started.wait()
        channel.close()
        recycled = card.open_channel()  # the card may hand out the same number again
        recycled.close()
        worker.join()
        attempts += counts["sent"] + counts["refused"]
        refusals += counts["refused"]
        trial = wire.sent[start:]
        close_at = next(i for i, apdu in enumerate(trial) if apdu[1:3] == b"\x70\x80")
        challenges = [(i, apdu) for i, apdu in enumerate(trial) if apdu[1] == 0x84]
        leaks += sum(1 for _, apdu in challenges if apdu[3] != 0x01)
        landings += sum(1 for i, _ in challenges if i > close_at)
    print(f"race: {attempts} attempts, {refusals} refusals, {leaks} leaks, {landings} landings")
    assert (attempts, leaks, landings) == (attempts, 0, 0)
    assert refusals == TRIALS  # every hammer ended on a typed refusal


def test_concurrent_opens_and_closes_keep_the_registry_in_step() -> None:
    card = Card(MemoryTransport(SimCard()))
    errors: list[BaseException] = []

    def churn() -> None:
        try:
            for _ in range(100):
                card.open_channel().close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=churn) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert card.channels == {}


def test_a_closed_channel_refuses_with_a_typed_error() -> None:
    card = sim_card()
    secured, plain = card.open_channel(), card.open_channel()
    secured.secure(CountingSession())
    secured.close()
    plain.close()
    with pytest.raises(SessionClosedError, match="was closed"):
        secured.send(commands.get_challenge(8))
    with pytest.raises(SessionClosedError):
        secured.transmit(b"\x00\x84\x00\x00\x08")
    with pytest.raises(UsageError, match="closed"):
        plain.send(commands.get_challenge(8))
