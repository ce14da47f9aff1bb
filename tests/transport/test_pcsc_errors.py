"""PC/SC result codes become typed errors a user can act on; reader choice; the transport's
bookkeeping against a scripted stand-in for pyscard (no pcscd needed)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from cardwire.errors import (
    CardRemovedError,
    NoCardError,
    NoReaderError,
    NoServiceError,
    TransportError,
    TransportTimeoutError,
    UsageError,
)
from cardwire.transport import pcsc, pcsc_errors
from cardwire.transport.base import Transport
from cardwire.transport.pcsc import PcscTransport, choose_reader
from cardwire.transport.pcsc_errors import error_for

# (pcsclite.h name, error class, a word of the advice the message must give)
ERRORS = [
    ("SCARD_E_NO_SERVICE", NoServiceError, "pcscd"),
    ("SCARD_E_SERVICE_STOPPED", NoServiceError, "pcscd"),
    ("SCARD_E_NO_READERS_AVAILABLE", NoReaderError, "plug"),
    ("SCARD_E_UNKNOWN_READER", NoReaderError, "cardwire readers"),
    ("SCARD_E_READER_UNAVAILABLE", NoReaderError, "cardwire readers"),
    ("SCARD_E_NO_SMARTCARD", NoCardError, "insert"),
    ("SCARD_W_REMOVED_CARD", CardRemovedError, "insert"),
    ("SCARD_W_RESET_CARD", CardRemovedError, "start again"),
    ("SCARD_W_UNRESPONSIVE_CARD", NoCardError, "reinsert"),
    ("SCARD_W_UNPOWERED_CARD", NoCardError, "reinsert"),
    ("SCARD_E_SHARING_VIOLATION", TransportError, "exclusively"),
    ("SCARD_E_PROTO_MISMATCH", TransportError, "--protocol any"),
    ("SCARD_E_TIMEOUT", TransportTimeoutError, "timed out"),
    ("SCARD_F_COMM_ERROR", TransportError, "80100013"),
]


@pytest.mark.parametrize(("name", "error", "advice"), ERRORS)
def test_result_codes_map_to_typed_errors(
    name: str, error: type[TransportError], advice: str
) -> None:
    exc = error_for(getattr(pcsc_errors, name), "cannot connect", "Reader X")
    assert type(exc) is error
    assert str(exc).startswith("cannot connect: ")
    assert advice in str(exc)
    assert exc.exit_code == 3


@pytest.mark.parametrize("name", sorted({name for name, _, _ in ERRORS}))
def test_codes_agree_with_pyscard(name: str) -> None:
    # pyscard (smartcard/scard) exports pcsc-lite's PCSC/pcsclite.h values: an independent copy.
    scard = pytest.importorskip("smartcard.scard")
    assert getattr(pcsc_errors, name) == getattr(scard, name) & 0xFFFFFFFF


def test_negative_long_from_pyscard_is_understood() -> None:
    signed = pcsc_errors.SCARD_E_NO_SERVICE - (1 << 32)
    assert isinstance(error_for(signed, "x"), NoServiceError)


NAMES = ["Virtual PCD 00 00", "Virtual PCD 00 01", "ACS ACR122U 01 00"]


@pytest.mark.parametrize(
    ("names", "spec", "chosen"),
    [
        (NAMES[:1], None, "Virtual PCD 00 00"),
        (NAMES, 1, "Virtual PCD 00 01"),
        (NAMES, "2", "ACS ACR122U 01 00"),
        (NAMES, "Virtual PCD 00 01", "Virtual PCD 00 01"),
        (NAMES, "acr122", "ACS ACR122U 01 00"),
    ],
)
def test_choose_reader(names: list[str], spec: str | int | None, chosen: str) -> None:
    assert choose_reader(names, spec) == chosen


@pytest.mark.parametrize(
    ("names", "spec", "message"),
    [
        ([], None, "no reader is connected"),
        (NAMES, None, "3 readers are connected; choose one with --reader"),
        (NAMES, 3, "no reader with index 3"),
        (NAMES, "Virtual", "matches several readers"),
        (NAMES, "omnikey", "matches no reader"),
    ],
)
def test_choose_reader_errors_list_the_readers(
    names: list[str], spec: str | int | None, message: str
) -> None:
    with pytest.raises(NoReaderError, match=message) as caught:
        choose_reader(names, spec)
    for index, name in enumerate(names):
        assert f"{index}: {name}" in str(caught.value)


class ScriptedScard:
    """Stands in for ``smartcard.scard`` (PC/SC function names): scripted codes, recorded calls."""

    def __init__(self, **results: int) -> None:
        self.results = results
        self.calls: list[str] = []
        self.readers = ["Virtual PCD 00 00"]

    def _code(self, name: str) -> int:
        self.calls.append(name)
        return self.results.get(name, 0)

    def SCardEstablishContext(self, scope: int) -> tuple[int, Any]:
        return self._code("SCardEstablishContext"), "ctx"

    def SCardReleaseContext(self, context: Any) -> int:
        return self._code("SCardReleaseContext")

    def SCardListReaders(self, context: Any, groups: list[str]) -> tuple[int, list[str]]:
        return self._code("SCardListReaders"), list(self.readers)

    def SCardConnect(
        self, context: Any, reader: str, share: int, protocols: int
    ) -> tuple[int, Any, int]:
        return self._code("SCardConnect"), "card", 2

    def SCardStatus(self, card: Any) -> tuple[int, str, int, int, list[int]]:
        return self._code("SCardStatus"), self.readers[0], 0, 2, [0x3B, 0x00]

    def SCardTransmit(self, card: Any, pci: int, apdu: list[int]) -> tuple[int, list[int]]:
        return self._code("SCardTransmit"), [*apdu[4:], 0x90, 0x00]

    def SCardReconnect(
        self, card: Any, share: int, protocols: int, disposition: int
    ) -> tuple[int, int]:
        self.calls.append(f"disposition {disposition}")
        return self._code("SCardReconnect"), 2

    def SCardBeginTransaction(self, card: Any) -> int:
        return self._code("SCardBeginTransaction")

    def SCardEndTransaction(self, card: Any, disposition: int) -> int:
        return self._code("SCardEndTransaction")

    def SCardDisconnect(self, card: Any, disposition: int) -> int:
        return self._code("SCardDisconnect")


def scripted(monkeypatch: pytest.MonkeyPatch, **results: int) -> ScriptedScard:
    fake = ScriptedScard(**results)
    monkeypatch.setattr(pcsc, "_load_pyscard", lambda: fake)
    return fake


def test_no_service(monkeypatch: pytest.MonkeyPatch) -> None:
    scripted(monkeypatch, SCardEstablishContext=pcsc_errors.SCARD_E_NO_SERVICE)
    with pytest.raises(NoServiceError, match="PC/SC service is not running"):
        PcscTransport()


def test_no_reader_releases_the_context(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = scripted(monkeypatch, SCardListReaders=pcsc_errors.SCARD_E_NO_READERS_AVAILABLE)
    with pytest.raises(NoReaderError, match="no reader is connected"):
        PcscTransport()
    assert fake.calls[-1] == "SCardReleaseContext"


def test_no_card(monkeypatch: pytest.MonkeyPatch) -> None:
    scripted(monkeypatch, SCardConnect=pcsc_errors.SCARD_E_NO_SMARTCARD)
    with pytest.raises(NoCardError, match="no card in reader 'Virtual PCD 00 00'"):
        PcscTransport()


def test_bytes_in_bytes_out_and_close_is_idempotent(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = scripted(monkeypatch)
    transport = PcscTransport()
    assert isinstance(transport, Transport)
    assert transport.atr == b"\x3b\x00"
    assert transport.protocol == "T1"
    assert transport.transmit(b"\x00\x00\x00\x00\xab") == b"\xab\x90\x00"
    transport.close()
    transport.close()
    assert fake.calls.count("SCardDisconnect") == 1
    with pytest.raises(TransportError, match="closed"):
        transport.transmit(b"\x00\x00\x00\x00")


def test_reset_by_another_program_reconnects_then_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = scripted(monkeypatch, SCardTransmit=pcsc_errors.SCARD_W_RESET_CARD)
    transport = PcscTransport()
    with pytest.raises(CardRemovedError, match="reset by another program"):
        transport.transmit(b"\x00\xa4\x04\x00")
    assert "disposition 0" in fake.calls  # SCARD_LEAVE_CARD: the handle is usable again


@pytest.mark.parametrize(("cold", "disposition"), [(False, 1), (True, 2)])
def test_reset_reconnects_and_reads_the_atr(
    monkeypatch: pytest.MonkeyPatch, cold: bool, disposition: int
) -> None:
    fake = scripted(monkeypatch)
    transport = PcscTransport()
    assert transport.reset(cold=cold) == b"\x3b\x00"
    assert f"disposition {disposition}" in fake.calls
    assert fake.calls[-1] == "SCardStatus"


def test_nested_transactions_begin_and_end_once(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = scripted(monkeypatch)
    transport = PcscTransport()
    with transport.transaction(), transport.transaction():
        transport.transmit(b"\x00\x00\x00\x00")
    assert fake.calls.count("SCardBeginTransaction") == 1
    assert fake.calls.count("SCardEndTransaction") == 1


def test_sharing_violation_on_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    scripted(monkeypatch, SCardBeginTransaction=pcsc_errors.SCARD_E_SHARING_VIOLATION)
    transport = PcscTransport()
    with pytest.raises(TransportError, match="exclusively"), transport.transaction():
        pass


def test_atr_failure_after_connect_releases_card_and_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = scripted(monkeypatch, SCardStatus=pcsc_errors.SCARD_W_REMOVED_CARD)
    with pytest.raises(CardRemovedError, match="cannot read the ATR"):
        PcscTransport()
    assert fake.calls[-2:] == ["SCardDisconnect", "SCardReleaseContext"]


def test_unused_result_codes_are_gone() -> None:
    for name in ("SCARD_E_CANCELLED", "SCARD_E_INVALID_HANDLE", "SCARD_E_NOT_READY"):
        assert not hasattr(pcsc, name)


def test_a_reset_inside_a_transaction_does_not_break_later_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = scripted(monkeypatch)
    transport = PcscTransport()
    with transport.transaction():
        transport.reset()  # the transport counts the transaction as ended by the reconnect
    with transport.transaction():
        transport.transmit(b"\x00\x00\x00\x00")
    assert fake.calls.count("SCardBeginTransaction") == 2
    assert fake.calls.count("SCardEndTransaction") == 1  # the first one ended with the reset


GUARD_SECONDS = 10  # deadlock guard only: every wait below is normally released at once


class RacingScard(ScriptedScard):
    """The first SCardBeginTransaction waits until another thread has tried to enter a
    transaction too (``entering``): by calling SCardBeginTransaction itself (the race), or by
    asking for the transport's transaction lock (see ReportingLock)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_first_begin = threading.Event()
        self.entering = threading.Event()
        self.begins = 0

    def SCardBeginTransaction(self, card: Any) -> int:
        self.begins += 1
        if self.begins == 1:
            self.in_first_begin.set()
            self.entering.wait(GUARD_SECONDS)
        else:
            self.entering.set()
        return super().SCardBeginTransaction(card)


class ReportingLock:
    """A lock that sets ``event`` when the thread named ``reporter`` asks for it."""

    def __init__(self, event: threading.Event, reporter: str) -> None:
        self._lock = threading.Lock()
        self._event = event
        self._reporter = reporter

    def __enter__(self) -> bool:
        if threading.current_thread().name == self._reporter:
            self._event.set()
        return self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def test_threads_share_one_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thread 2 enters while thread 1 is still beginning the transaction: it must wait and
    then share it, not begin a second one (the nesting counter is guarded by a lock)."""
    fake = RacingScard()
    monkeypatch.setattr(pcsc, "_load_pyscard", lambda: fake)
    transport = PcscTransport()
    transport._transaction_lock = ReportingLock(fake.entering, "second")  # type: ignore[assignment]
    inside = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transport.transaction():
                inside.wait(GUARD_SECONDS)  # stay until the second thread is inside too
        except BaseException as exc:
            errors.append(exc)

    def second() -> None:
        try:
            fake.in_first_begin.wait(GUARD_SECONDS)
            with transport.transaction():
                inside.set()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second, name="second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(GUARD_SECONDS)
    assert not errors, errors
    assert fake.calls.count("SCardBeginTransaction") == 1
    assert fake.calls.count("SCardEndTransaction") == 1


class MuteScard(ScriptedScard):
    """SCardTransmit blocks until ``wake`` is set (a card process stopped with SIGSTOP)."""

    def __init__(self) -> None:
        super().__init__()
        self.wake = threading.Event()
        self.mute = True

    def SCardTransmit(self, card: Any, pci: int, apdu: list[int]) -> tuple[int, list[int]]:
        if self.mute:
            self.mute = False
            self.wake.wait()
        return super().SCardTransmit(card, pci, apdu)


def test_watchdog_times_out_then_refuses_until_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = MuteScard()
    monkeypatch.setattr(pcsc, "_load_pyscard", lambda: fake)
    transport = PcscTransport(transmit_timeout=0.05)
    with pytest.raises(TransportTimeoutError, match=r"no answer within 0\.05 s") as raised:
        transport.transmit(b"\x00\x84\x00\x00\x08")
    assert raised.value.exit_code == 3
    calls = len(fake.calls)
    with pytest.raises(TransportError, match="must be re-established"):
        transport.transmit(b"\x00\x84\x00\x00\x08")
    assert len(fake.calls) == calls  # nothing reached PC/SC
    fake.wake.set()  # the stuck call returns: its handle and context are released
    transport.reconnect()
    assert fake.calls.count("SCardEstablishContext") == 2
    assert transport.transmit(b"\x00\x00\x00\x00\xab") == b"\xab\x90\x00"
    transport.close()


def test_short_response_is_a_transport_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = scripted(monkeypatch)
    fake.SCardTransmit = lambda card, pci, apdu: (0, [])  # type: ignore[method-assign]
    transport = PcscTransport()
    with pytest.raises(TransportError, match="answered 0 bytes"):
        transport.transmit(b"\x00\x84\x00\x00\x08")


def test_transmit_timeout_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    scripted(monkeypatch)
    with pytest.raises(UsageError, match="transmit timeout"):
        PcscTransport(transmit_timeout=0)


def test_without_reader_the_one_holding_a_card_is_chosen() -> None:
    # issue 18: Debian's vpcd always shows two readers; the one with the card is meant
    assert choose_reader(NAMES, None, [NAMES[1]]) == NAMES[1]


@pytest.mark.parametrize(
    ("holding", "message"),
    [
        ([], "none of the 3 readers holds a card; insert one"),
        (NAMES[1:], "2 readers hold a card; choose one with --reader"),
    ],
)
def test_without_reader_no_card_or_several_cards_ask(holding: list[str], message: str) -> None:
    with pytest.raises(NoReaderError, match=message) as caught:
        choose_reader(NAMES, None, holding)
    for index, name in enumerate(NAMES):
        assert f"{index}: {name}" in str(caught.value)
