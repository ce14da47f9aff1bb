"""Decoding a Keycard secure channel (v1, applet 3.x) in a trace from its session keys.

The keys are the session's ENC and MAC keys (``cardwire keycard open --show-keys`` prints
them). The first IV comes from the answer to OPEN SECURE CHANNEL (salt(32) || IV(16), Keycard
docs "OPEN SECURE CHANNEL") unless given; with a given IV and no OPEN SECURE CHANNEL before the
first protected command, the session starts with the trace. Session keys belong to one session:
the first one in the trace is decoded, later ones are left as they are.

Inside the session every CLA 80 command except OPEN SECURE CHANNEL and PAIR is protected
(Keycard docs; the same rule as the simulated applet,
:class:`cardwire.sm.keycard.KeycardCardSession`).
The codec is :class:`cardwire.sm.keycard.KeycardCodec`; the IV is always the last MAC seen, also
after a MAC failure (the MAC on the wire), so decoding goes on. A SELECT or a plain 6982 answer
(the card closed the channel) ends the session, and so does a reset.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError, SecureChannelError, UsageError
from cardwire.sm.keycard import (
    CLA_KEYCARD,
    INS_OPEN_SECURE_CHANNEL,
    INS_PAIR,
    IV_LENGTH,
    MAC_LENGTH,
    SALT_LENGTH,
    SW_CHANNEL_CLOSED,
    KeycardCodec,
    SessionKeys,
)
from cardwire.trace.observers import Decoded, decode_command, is_select, malformed, reason

# The Keycard codec's own sizes and status words: OPEN SECURE CHANNEL answers salt(32) ||
# IV(16) (Keycard docs); a plain 6982 means the card closed the channel (Keycard docs).
SW_OK = 0x9000

StateT = TypeVar("StateT")


class _OneSession(Generic[StateT]):
    """What both observers share: given session keys belong to one session, so once that
    session has ended no other is decoded. ``_state`` is the session's (codec, counter), None
    outside it; a reset ends the session."""

    def __init__(self) -> None:
        self._state: StateT | None = None
        self._used = False

    @property
    def active(self) -> bool:
        return self._state is not None

    def session_keys(self) -> list[tuple[str, bytes]]:
        return []  # the keys were given, nothing is derived

    def reset(self) -> None:
        self._end()

    def _end(self) -> None:
        if self._state is not None:
            self._used = True
        self._state = None

    def _start(self, state: StateT) -> None:
        if not self._used:
            self._state = state

    def __repr__(self) -> str:
        return f"{type(self).__name__}({'active' if self.active else 'idle'}, <keys hidden>)"


class KeycardObserver(_OneSession[KeycardCodec]):
    """A passive Keycard secure-channel decoder (see the module text)."""

    name = "keycard"

    def __init__(self, keys: SessionKeys, iv: bytes | None = None) -> None:
        if iv is not None and len(iv) != IV_LENGTH:
            raise UsageError(f"the Keycard IV is {IV_LENGTH} bytes, got {len(iv)}")
        super().__init__()
        self._session_keys = keys
        self._given_iv = iv

    @classmethod
    def from_keys(cls, enc: bytes, mac: bytes, iv: bytes | None = None) -> KeycardObserver:
        return cls(SessionKeys(enc, mac), iv)

    def exchange(self, command: bytes, response: bytes) -> Decoded | None:
        wire = decode_command(command)
        if wire is None:
            return malformed(bool(self._state) and command[0] == CLA_KEYCARD)
        answer = Response.decode(response)
        if is_select(wire):
            self._end()  # Keycard docs: deselecting the applet aborts the channel
            return None
        if wire.cla != CLA_KEYCARD:
            return None
        if wire.ins == INS_OPEN_SECURE_CHANNEL:
            self._end()
            if answer.sw == SW_OK and len(answer.data) == SALT_LENGTH + IV_LENGTH:
                iv = self._given_iv or answer.data[SALT_LENGTH:]
                self._start(KeycardCodec(self._session_keys, iv))
            return None
        if wire.ins == INS_PAIR:
            return None
        if self._state is None and self._given_iv is not None and not self._used:
            # the trace starts inside the session
            self._start(KeycardCodec(self._session_keys, self._given_iv))
        codec = self._state
        if codec is None:
            return None
        return self._decode(codec, wire, answer)

    def _decode(self, codec: KeycardCodec, wire: Command, answer: Response) -> Decoded:
        ok = True
        error: str | None = None
        plain_command = b""
        try:
            plain_command = codec.open_command(wire.header, wire.data)
        except (SecureChannelError, DecodeError) as exc:
            ok = False
            error = reason(exc)
            codec.iv = wire.data[:MAC_LENGTH].ljust(MAC_LENGTH, b"\x00")  # the wire MAC
        plain = Command(wire.cla, wire.ins, wire.p1, wire.p2, plain_command).encode()
        if answer.sw == SW_CHANNEL_CLOSED and not answer.data:
            self._end()
            return Decoded(plain, answer.encode(), True) if ok else Decoded.failed(error or "")
        plain_response = b""
        try:
            if answer.sw != SW_OK:
                raise SecureChannelError(f"outer status {answer.sw:04X} instead of 9000")
            plain_response = codec.open_response(answer.data)
            if len(plain_response) < 2:
                raise SecureChannelError("the protected answer holds no status word")
        except (SecureChannelError, DecodeError) as exc:
            if ok:  # the command did open: keep it, only the answer failed
                error = reason(exc)
                ok = False
                if answer.data:
                    codec.iv = answer.data[:MAC_LENGTH].ljust(MAC_LENGTH, b"\x00")
                return Decoded.failed(error, plain)
            if answer.data:
                codec.iv = answer.data[:MAC_LENGTH].ljust(MAC_LENGTH, b"\x00")
        if not ok:
            return Decoded.failed(error or "")
        return Decoded(plain, plain_response, True)


class KeycardV2Observer(_OneSession[int]):
    """A passive Secure Channel V2 (applet 4.x) decoder from the two session keys
    (host-to-card, card-to-host; ``cardwire keycard open --show-keys`` prints them).

    cardwire.sm.keycard.v2 has the wire format (PyPI keycard SDK ``secure_channel/v2.py``): the
    session starts at an OPEN SECURE CHANNEL answered 9000 (counter 0; the first one only: the
    keys belong to one session); each
    SECURED APDU (80 18) is AES-128-CCM under the counter nonce, its answer under the other key
    and the same nonce, and the counter moves after the answer. A SELECT, a reset or a plain
    6982 ends the session; a message that does not authenticate is shown as failed and the
    counter still moves (both sides do).
    """

    name = "keycard-v2"

    def __init__(self, key_h2c: bytes, key_c2h: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESCCM

        from cardwire.sm.keycard.v2 import KEY_LENGTH, TAG_LENGTH

        if len(key_h2c) != KEY_LENGTH or len(key_c2h) != KEY_LENGTH:
            raise UsageError(f"Keycard V2 session keys are {KEY_LENGTH} bytes each")
        super().__init__()  # the state is the counter, from OPEN SECURE CHANNEL on
        self._h2c = AESCCM(key_h2c, tag_length=TAG_LENGTH)
        self._c2h = AESCCM(key_c2h, tag_length=TAG_LENGTH)

    def exchange(self, command: bytes, response: bytes) -> Decoded | None:
        from cryptography.exceptions import InvalidTag

        from cardwire.sm.keycard.v2 import INS_SECURED_APDU, NONCE_LENGTH

        wire = decode_command(command)
        answer = Response.decode(response)
        if wire is None or wire.cla != CLA_KEYCARD:
            if wire is not None and is_select(wire):
                self._end()
            return None
        if wire.ins == INS_OPEN_SECURE_CHANNEL:
            self._end()
            if answer.sw == SW_OK:
                self._start(0)
            return None
        counter = self._state
        if wire.ins != INS_SECURED_APDU or counter is None:
            return None
        nonce = counter.to_bytes(NONCE_LENGTH, "big")
        if answer.sw == SW_CHANNEL_CLOSED and not answer.data:
            self._end()
            try:
                inner = self._h2c.decrypt(nonce, wire.data, None)
            except InvalidTag:
                return Decoded.failed()
            return Decoded(inner, answer.encode(), True)
        self._state = counter + 1
        try:
            inner = self._h2c.decrypt(nonce, wire.data, None)
            plain = self._c2h.decrypt(nonce, answer.data, None)
        except InvalidTag:
            return Decoded.failed()
        return Decoded(inner, plain, True)


__all__ = ["KeycardObserver", "KeycardV2Observer"]
