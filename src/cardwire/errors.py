"""The one error hierarchy of cardwire.

Every error says whose fault it was:

- :class:`UsageError`: the caller asked for something impossible (a Command with Nc > 65535,
  an unknown option value). Fix the calling code or the command line.
- :class:`DecodeError`: bytes from outside are malformed (also a ``ValueError``). It names the
  problem and the byte offset where it was found.
- :class:`StatusError`: the card answered with an error status word. It carries the status
  word, its meaning and the command that provoked it.
- :class:`SecureChannelError`: a MAC, cryptogram or counter did not verify, or a secure
  session has ended. The session that raised it can no longer be used.
- :class:`TransportError`: the reader, the PC/SC service or the connection to the card failed.

The CLI maps them to exit codes: usage and decode errors 2, status and secure-channel
errors 1, transport errors 3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cardwire.apdu import Command


class CardwireError(Exception):
    """Root of every error cardwire raises on purpose."""

    exit_code: int = 1


class UsageError(CardwireError):
    """The caller asked for something that cannot be done (programming or command-line error)."""

    exit_code = 2


class ConfigError(UsageError):
    """A profile setting that cannot be loaded; ``key_path`` names it (``applets[2].pins[0].tries``)
    and ``problem`` says what was expected."""

    def __init__(self, key_path: str, problem: str) -> None:
        self.key_path = key_path
        self.problem = problem
        super().__init__(f"{key_path}: {problem}" if key_path else problem)

    def within(self, prefix: str) -> ConfigError:
        """The same error seen from the section ``prefix`` that holds this one."""
        if not prefix:
            return self
        if not self.key_path:
            return ConfigError(prefix, self.problem)
        sep = "" if self.key_path.startswith("[") else "."
        return ConfigError(f"{prefix}{sep}{self.key_path}", self.problem)


class DecodeError(CardwireError, ValueError):
    """Malformed input bytes. ``offset`` is where the problem was found, when known."""

    exit_code = 2

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.problem = message
        self.offset = offset
        text = message if offset is None else f"{message} (at offset {offset})"
        super().__init__(text)


class StatusError(CardwireError):
    """The card answered with a status word that means failure."""

    exit_code = 1

    def __init__(self, sw: int, meaning: str, command: Command | None = None) -> None:
        self.sw = sw
        self.meaning = meaning
        self.command = command
        where = ""
        if command is not None:
            where = f" to {command.name or f'INS {command.ins:02X}'}"
        super().__init__(f"card answered {sw:04X}{where}: {meaning}")


class SecureChannelError(CardwireError):
    """A secure-messaging check failed or the secure session has ended.

    ``card_sw`` is the status word a card answers when it detects this error itself
    (ISO 7816-4 5.6: 6988 "incorrect secure messaging data objects" by default).
    """

    exit_code = 1
    card_sw: int = 0x6988

    def __init__(self, message: str, card_sw: int | None = None) -> None:
        super().__init__(message)
        if card_sw is not None:
            self.card_sw = card_sw


class MacError(SecureChannelError):
    """A MAC did not verify: the message was altered, replayed, or the keys are wrong."""


class CryptogramError(SecureChannelError):
    """An authentication cryptogram did not verify (wrong keys, password or key version)."""


class SessionClosedError(SecureChannelError):
    """The secure session has ended (after an error, a card reset, a deselect, or close())."""


class TransportError(CardwireError):
    """The reader, the PC/SC service or the connection to the card failed."""

    exit_code = 3


class NoServiceError(TransportError):
    """The PC/SC service (pcscd) is not running or not reachable."""


class NoReaderError(TransportError):
    """No reader matches, or no reader is connected."""


class NoCardError(TransportError):
    """The reader is there but holds no card."""


class CardRemovedError(TransportError):
    """The card was removed or reset while in use."""


class TransportTimeoutError(TransportError):
    """The card or the connection did not answer in time."""
