"""What the SCP02 and SCP03 handshakes share, host side and card side (GP Card Spec v2.3.1
E.5 and 11.8-11.11, Amendment D 7.1): the CLA of the handshake commands, the key-set lookup,
the checks on INITIALIZE UPDATE and the end of EXTERNAL AUTHENTICATE."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from cardwire.apdu import Command, Response
from cardwire.cla import with_channel
from cardwire.errors import CryptogramError, DecodeError, SecureChannelError, UsageError
from cardwire.sm.scp03._params import (
    DIVERSIFICATION_DATA_LENGTH,
    SW_AUTHENTICATION_FAILED,
    SW_CONDITIONS_NOT_SATISFIED,
    SW_KEY_NOT_FOUND,
    SW_SECURITY_NOT_SATISFIED,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    carries_gp_sm,
)


class _KeySet(Protocol):
    @property
    def kvn(self) -> int: ...


AnswerT = TypeVar("AnswerT")
ChannelT = TypeVar("ChannelT")
KeysT = TypeVar("KeysT", bound=_KeySet)
PendingT = TypeVar("PendingT")
LevelT = TypeVar("LevelT")


class GpHostHandshake(Generic[AnswerT, ChannelT]):
    """Host side: the handshake's CLA, the card's answer, and the channel it opens."""

    channel: int
    _answer: AnswerT | None
    _pending: ChannelT | None

    @property
    def cla(self) -> int:
        # GP Card Spec 11.1.4: proprietary class 80 on the session's logical channel.
        return with_channel(0x80, self.channel)

    @property
    def card_answer(self) -> AnswerT | None:
        """The decoded INITIALIZE UPDATE answer, once received."""
        return self._answer

    def _take_channel(self) -> ChannelT:
        if self._pending is None:
            raise UsageError("call external_authenticate() first")
        pending, self._pending = self._pending, None
        return pending

    def _accepted_channel(self, response: Response) -> ChannelT:
        """The pending channel once the card accepted EXTERNAL AUTHENTICATE: 6300 means it
        rejected the host cryptogram (GP Card Spec 11.8.3), and the answer has no data."""
        pending = self._take_channel()
        if response.sw == SW_AUTHENTICATION_FAILED:
            raise CryptogramError("the card rejected the host cryptogram (SW 6300)")
        response.check()
        if response.data:
            raise DecodeError("EXTERNAL AUTHENTICATE answered with data", 0)
        return pending


class GpCardHandshake(Generic[KeysT, PendingT]):
    """Card side: the key sets of one Security Domain and the handshake in progress."""

    key_sets: Sequence[KeysT]
    diversification_data: bytes
    _pending: PendingT | None

    def _check_setup(self) -> None:
        if not self.key_sets:
            raise UsageError("a Security Domain needs at least one key set")
        if len(self.diversification_data) != DIVERSIFICATION_DATA_LENGTH:
            raise UsageError("key diversification data is 10 bytes")

    def key_set(self, kvn: int) -> KeysT:
        if kvn == 0:
            # GP Card Spec 11.11.2.1 / E.5.1.3: key version 00 = the first available key set.
            return self.key_sets[0]
        for keys in self.key_sets:
            if keys.kvn == kvn:
                return keys
        raise SecureChannelError(f"no key set with version {kvn:02X}", card_sw=SW_KEY_NOT_FOUND)

    def _start_initialize_update(
        self, command: Command, expected_nc: int, sequence_counter: int, counter_length: int
    ) -> KeysT:
        """Check INITIALIZE UPDATE (GP Card Spec 11.11.2: P2 00, the host challenge) and the
        caller's sequence counter; the key set P1 names."""
        self._pending = None
        if command.p2 != 0x00:
            raise SecureChannelError("INITIALIZE UPDATE P2 must be 00", card_sw=SW_WRONG_P1P2)
        if command.nc != expected_nc:
            raise SecureChannelError(
                f"host challenge must be {expected_nc} bytes", card_sw=SW_WRONG_LENGTH
            )
        if not 0 <= sequence_counter < 1 << (8 * counter_length):
            raise UsageError(
                f"sequence counter must fit {counter_length} bytes, got {sequence_counter}"
            )
        return self.key_set(command.p1)

    def _take_pending(self) -> PendingT:
        """The handshake INITIALIZE UPDATE started; any failure after this drops it."""
        pending, self._pending = self._pending, None
        if pending is None:
            raise SecureChannelError(
                "EXTERNAL AUTHENTICATE without INITIALIZE UPDATE",
                card_sw=SW_CONDITIONS_NOT_SATISFIED,
            )
        return pending

    @staticmethod
    def _external_authenticate_level(
        command: Command, data_length: int, level_of: Callable[[int], LevelT]
    ) -> LevelT:
        """Check EXTERNAL AUTHENTICATE's form (GP Card Spec 11.10.2 / E.5.2, Amendment D 7.1.2):
        a C-MAC on it (CLA b3), P2 00, host cryptogram || C-MAC of ``data_length`` bytes; the
        security level P1 asks for (``level_of`` refuses the levels the protocol lacks)."""
        if not carries_gp_sm(command.cla):
            raise SecureChannelError(
                "EXTERNAL AUTHENTICATE must carry a C-MAC", card_sw=SW_SECURITY_NOT_SATISFIED
            )
        if command.p2 != 0x00:
            raise SecureChannelError("EXTERNAL AUTHENTICATE P2 must be 00", card_sw=SW_WRONG_P1P2)
        try:
            level = level_of(command.p1)
        except UsageError:
            raise SecureChannelError(
                f"security level {command.p1:02X} is not offered", card_sw=SW_WRONG_P1P2
            ) from None
        if command.nc != data_length:
            raise SecureChannelError(
                "EXTERNAL AUTHENTICATE data must be host cryptogram || C-MAC",
                card_sw=SW_WRONG_LENGTH,
            )
        return level


__all__ = [
    "GpCardHandshake",
    "GpHostHandshake",
]
