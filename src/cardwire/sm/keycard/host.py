"""Host side of the Keycard secure channel: OPEN SECURE CHANNEL, MUTUALLY AUTHENTICATE and the
open :class:`KeycardSession` (Keycard docs, keycard.tech/docs/apdu)."""

from __future__ import annotations

import os

from cardwire.apdu import MAX_SHORT_NE, Command, Response
from cardwire.cla import parse_cla
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import (
    CryptogramError,
    DecodeError,
    SecureChannelError,
    SessionClosedError,
    UsageError,
)
from cardwire.sm.base import Rng
from cardwire.sm.keycard.codec import MAX_PAYLOAD, KeycardCodec, SessionKeys, derive_session_keys
from cardwire.sm.keycard.constants import (
    CHALLENGE_LENGTH,
    CLA_KEYCARD,
    INS_MUTUALLY_AUTHENTICATE,
    INS_OPEN_SECURE_CHANNEL,
    INS_SELECT,
    IV_LENGTH,
    SALT_LENGTH,
    SW_CHANNEL_CLOSED,
    SW_SUCCESS,
)
from cardwire.sm.keycard.pairing import Pairing
from cardwire.sm.selection import SessionScope
from cardwire.sw import check


class KeycardSession:
    """Host side of an open channel (a :class:`cardwire.sm.base.HostSecureSession`).

    A plain 6982 answer, any verification failure, :meth:`close`, and a SELECT sent through the
    session (which deselects the applet) end it; later calls raise SessionClosedError.
    """

    channel: int | None = None
    """The logical channel the session runs on, set when first installed (``Card.secure``)."""
    #: Keycard APDU docs: SELECT is plain and deselects the applet, ending the channel.
    scope = SessionScope.SELECTION

    def __init__(self, keys: SessionKeys, iv: bytes) -> None:
        self._keys: SessionKeys | None = keys
        self._codec: KeycardCodec | None = KeycardCodec(keys, iv)
        self._ending = False
        self._awaiting = False  # a protected command is out and its answer not yet unprotected
        self._reason = "the Keycard secure channel was closed"

    @property
    def active(self) -> bool:
        return self._codec is not None and not self._ending

    @property
    def max_payload(self) -> int:
        return MAX_PAYLOAD

    @property
    def keys(self) -> SessionKeys:
        """The session keys (for ``--show-keys`` and trace decoding)."""
        if self._keys is None:
            raise SessionClosedError(self._reason)
        return self._keys

    @property
    def iv(self) -> bytes:
        """The IV the next protected message uses (the last MAC seen)."""
        return self._require().iv

    def _require(self) -> KeycardCodec:
        if self._codec is None or self._ending:
            raise SessionClosedError(self._reason)
        return self._codec

    def _fail(self, error: SecureChannelError) -> SecureChannelError:
        self._reason = f"the Keycard secure channel ended: {error}"
        self.close()
        return error

    def protect(self, command: Command) -> Command:
        """MAC || encrypted data; Le 00 so that the card answers in one piece."""
        codec = self._require()
        cla = parse_cla(command.cla)
        if command.ins == INS_SELECT and cla.interindustry:
            # Keycard docs, OPEN SECURE CHANNEL: deselecting the applet aborts the session. The
            # SELECT goes out plain and the session ends with its answer.
            self._ending = True
            self._reason = "the Keycard secure channel ended with a SELECT"
            return command
        if len(command.data) > MAX_PAYLOAD or cla.chaining:
            # Keycard docs: at most 223 bytes "in a single APDU"; the channel defines no command
            # chaining, so the first piece of a chain (the layer above chains data longer than
            # max_payload) is refused here, before anything is sent.
            raise UsageError(
                f"{len(command.data)} bytes of command data do not fit one Keycard secure channel"
                f" APDU (at most {MAX_PAYLOAD}: 255 - 16 MAC bytes, whole AES blocks, 1+ padding;"
                " the channel has no command chaining)"
            )
        if self._awaiting:
            # The IV chain needs every answer: after a lost one host and card are out of step.
            raise self._fail(
                SessionClosedError("the previous protected command got no answer; channel ended")
            )
        body = codec.seal_command(command.header, command.data)
        self._awaiting = True
        return Command(command.cla, command.ins, command.p1, command.p2, body, MAX_SHORT_NE)

    def unprotect(self, response: Response) -> Response:
        if self._ending:
            self.close()
            return response
        codec = self._require()
        if not self._awaiting:
            raise self._fail(SecureChannelError("an answer arrived without a protected command"))
        self._awaiting = False
        if response.sw == SW_CHANNEL_CLOSED and not response.data:
            raise self._fail(SessionClosedError("the card closed the secure channel (6982)"))
        if response.sw != SW_SUCCESS:
            raise self._fail(
                SecureChannelError(
                    f"the card answered {response.sw:04X} outside the secure channel "
                    "(expected 9000 with protected data)"
                )
            )
        try:
            plain = codec.open_response(response.data)
        except SecureChannelError as exc:
            raise self._fail(exc) from None
        if len(plain) < 2:
            raise self._fail(SecureChannelError("the protected answer holds no status word"))
        return Response(plain[:-2], int.from_bytes(plain[-2:], "big"))

    def close(self) -> None:
        self._codec = None
        self._keys = None
        self._ending = False

    def __repr__(self) -> str:
        return f"KeycardSession(active={self.active})"


class OpenSecureChannel:
    """Host side of OPEN SECURE CHANNEL and MUTUALLY AUTHENTICATE, sans-IO."""

    def __init__(self, pairing: Pairing, card_public_key: bytes, *, rng: Rng = os.urandom) -> None:
        self._pairing = pairing
        self._card_public_key = card_public_key
        self._rng = rng
        self._ephemeral = Secp256k1PrivateKey.generate(rng)

    def command(self) -> Command:
        """OPEN SECURE CHANNEL: P1 = pairing index, data = our ephemeral public key."""
        return Command(
            CLA_KEYCARD,
            INS_OPEN_SECURE_CHANNEL,
            self._pairing.index,
            0,
            self._ephemeral.public_key,
            MAX_SHORT_NE,
        )

    def session(self, response: Response) -> KeycardSession:
        """The session from the card's salt || IV (then run MUTUALLY AUTHENTICATE in it)."""
        check(response.sw)
        if len(response.data) != SALT_LENGTH + IV_LENGTH:
            raise DecodeError(
                f"OPEN SECURE CHANNEL answer must be 48 bytes (salt, IV), got {len(response.data)}",
                0,
            )
        salt, iv = response.data[:SALT_LENGTH], response.data[SALT_LENGTH:]
        shared = self._ephemeral.shared_secret(self._card_public_key)
        return KeycardSession(derive_session_keys(shared, self._pairing.key, salt), iv)

    def mutual_authentication_command(self) -> Command:
        """MUTUALLY AUTHENTICATE with 32 random bytes (to be protected by the session)."""
        return Command(
            CLA_KEYCARD, INS_MUTUALLY_AUTHENTICATE, 0, 0, self._rng(CHALLENGE_LENGTH), MAX_SHORT_NE
        )

    @staticmethod
    def check_mutual_authentication(response: Response) -> None:
        """Keycard docs, MUTUALLY AUTHENTICATE: the card proves its keys with 32 bytes."""
        if response.sw != SW_SUCCESS or len(response.data) != CHALLENGE_LENGTH:
            raise CryptogramError(
                f"MUTUALLY AUTHENTICATE answered {len(response.data)} bytes with "
                f"{response.sw:04X} (expected 32 bytes and 9000): wrong pairing key?"
            )


__all__ = [
    "KeycardSession",
    "OpenSecureChannel",
]
