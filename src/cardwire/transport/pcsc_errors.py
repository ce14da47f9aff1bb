"""PC/SC result codes and the cardwire error each one becomes (pcsc-lite ``PCSC/pcsclite.h``,
the same values as WinSCard's ``winerror.h``): one typed error with a message that says what to
do, for every code a reader, the service or a card can answer.
"""

from __future__ import annotations

from cardwire.errors import (
    CardRemovedError,
    NoCardError,
    NoReaderError,
    NoServiceError,
    TransportError,
    TransportTimeoutError,
)

# Result codes (pcsc-lite PCSC/pcsclite.h; same values as WinSCard's winerror.h).
SCARD_S_SUCCESS = 0x00000000
SCARD_E_UNKNOWN_READER = 0x80100009
SCARD_E_TIMEOUT = 0x8010000A
SCARD_E_SHARING_VIOLATION = 0x8010000B
SCARD_E_NO_SMARTCARD = 0x8010000C
SCARD_E_PROTO_MISMATCH = 0x8010000F
SCARD_F_COMM_ERROR = 0x80100013
SCARD_E_NOT_TRANSACTED = 0x80100016
SCARD_E_READER_UNAVAILABLE = 0x80100017
SCARD_E_NO_SERVICE = 0x8010001D
SCARD_E_SERVICE_STOPPED = 0x8010001E
SCARD_E_NO_READERS_AVAILABLE = 0x8010002E
SCARD_W_UNSUPPORTED_CARD = 0x80100065
SCARD_W_UNRESPONSIVE_CARD = 0x80100066
SCARD_W_UNPOWERED_CARD = 0x80100067
SCARD_W_RESET_CARD = 0x80100068
SCARD_W_REMOVED_CARD = 0x80100069


_START_PCSCD = "start it (`systemctl start pcscd.socket`, or `pcscd` as root)"


def unsigned_code(code: int) -> int:
    # pyscard may hand back a negative LONG on some platforms.
    return code & 0xFFFFFFFF


def error_for(code: int, action: str, reader: str | None = None) -> TransportError:
    """The cardwire error for PC/SC result ``code`` while doing ``action`` (on ``reader``)."""
    code = unsigned_code(code)
    where = f" in reader {reader!r}" if reader else ""
    what = f"{action}: "
    if code in (SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED):
        return NoServiceError(f"{what}the PC/SC service is not running; {_START_PCSCD}")
    if code == SCARD_E_NO_READERS_AVAILABLE:
        return NoReaderError(
            f"{what}no reader is connected; plug one in or run `cardwire sim serve`"
        )
    if code in (SCARD_E_UNKNOWN_READER, SCARD_E_READER_UNAVAILABLE):
        return NoReaderError(
            f"{what}reader {reader!r} is not available; `cardwire readers` lists the readers"
        )
    if code == SCARD_E_NO_SMARTCARD:
        return NoCardError(f"{what}no card{where}; insert a card and try again")
    if code == SCARD_W_REMOVED_CARD:
        return CardRemovedError(f"{what}the card was removed{where}; insert it and start again")
    if code == SCARD_W_RESET_CARD:
        return CardRemovedError(
            f"{what}the card{where} was reset by another program; its session state is lost, "
            "start again"
        )
    if code in (SCARD_W_UNPOWERED_CARD, SCARD_W_UNRESPONSIVE_CARD, SCARD_W_UNSUPPORTED_CARD):
        return NoCardError(
            f"{what}the card{where} does not answer (mute, unpowered or unsupported ATR); "
            "reinsert it or try another reader"
        )
    if code == SCARD_E_SHARING_VIOLATION:
        return TransportError(
            f"{what}another program holds the card{where} exclusively; close it and retry"
        )
    if code == SCARD_E_PROTO_MISMATCH:
        return TransportError(
            f"{what}the card{where} does not speak the requested protocol; try --protocol any"
        )
    if code == SCARD_E_TIMEOUT:
        return TransportTimeoutError(f"{what}timed out waiting for the card{where}")
    if code == SCARD_E_NOT_TRANSACTED:
        # pcsc-lite answers a failed IFDTransmit (the reader lost the card) with this code,
        # and SCardEndTransaction without a transaction.
        return TransportError(
            f"{what}the exchange with the card{where} did not complete (PC/SC error "
            f"{code:08X}: the reader lost the card, or no transaction was open); reconnect "
            "and start again"
        )
    return TransportError(f"{what}PC/SC error {code:08X}{where}")


__all__ = [
    "SCARD_E_NOT_TRANSACTED",
    "SCARD_E_NO_READERS_AVAILABLE",
    "SCARD_E_NO_SERVICE",
    "SCARD_E_NO_SMARTCARD",
    "SCARD_E_PROTO_MISMATCH",
    "SCARD_E_READER_UNAVAILABLE",
    "SCARD_E_SERVICE_STOPPED",
    "SCARD_E_SHARING_VIOLATION",
    "SCARD_E_TIMEOUT",
    "SCARD_E_UNKNOWN_READER",
    "SCARD_F_COMM_ERROR",
    "SCARD_S_SUCCESS",
    "SCARD_W_REMOVED_CARD",
    "SCARD_W_RESET_CARD",
    "SCARD_W_UNPOWERED_CARD",
    "SCARD_W_UNRESPONSIVE_CARD",
    "SCARD_W_UNSUPPORTED_CARD",
    "error_for",
    "unsigned_code",
]
