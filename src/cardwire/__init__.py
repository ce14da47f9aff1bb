"""cardwire: talk to smart cards securely.

APDUs (ISO 7816-4), secure messaging (ISO SM with BAC and PACE, GlobalPlatform SCP03, the
Keycard secure channel), logical channels shared safely between threads, and a simulated
card that can sit behind a real PC/SC reader.

The public names are here: the codecs (:class:`Command`, :class:`Response`, :class:`SW`) and
the errors load at once; the session (:class:`Card`, :class:`Channel`) and the handshakes
(``open_bac``, ``open_pace``, ``open_scp02``, ``open_scp03``, ``open_scp11``,
``open_counter``, ``open_keycard``) load on first use (PEP 562), so a program that only
encodes APDUs does not pay for them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from cardwire.apdu import Command, Response
from cardwire.errors import (
    CardRemovedError,
    CardwireError,
    CryptogramError,
    DecodeError,
    MacError,
    NoCardError,
    NoReaderError,
    NoServiceError,
    SecureChannelError,
    SessionClosedError,
    StatusError,
    TransportError,
    TransportTimeoutError,
    UsageError,
)
from cardwire.sw import SW

if TYPE_CHECKING:
    from cardwire.card import Card
    from cardwire.channels import Channel
    from cardwire.handshakes.bac import MrzInformation, open_bac
    from cardwire.handshakes.counter import open_counter
    from cardwire.handshakes.keycard import open_keycard
    from cardwire.handshakes.pace import open_pace
    from cardwire.handshakes.scp02 import open_scp02
    from cardwire.handshakes.scp03 import open_scp03
    from cardwire.handshakes.scp11 import open_scp11

_LAZY = {
    "Card": "cardwire.card",
    "Channel": "cardwire.channels",
    "MrzInformation": "cardwire.handshakes.bac",
    "open_bac": "cardwire.handshakes.bac",
    "open_counter": "cardwire.handshakes.counter",
    "open_keycard": "cardwire.handshakes.keycard",
    "open_pace": "cardwire.handshakes.pace",
    "open_scp02": "cardwire.handshakes.scp02",
    "open_scp03": "cardwire.handshakes.scp03",
    "open_scp11": "cardwire.handshakes.scp11",
}


def __getattr__(name: str) -> Any:
    """The session and handshake names, imported on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cardwire' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "SW",
    "Card",
    "CardRemovedError",
    "CardwireError",
    "Channel",
    "Command",
    "CryptogramError",
    "DecodeError",
    "MacError",
    "MrzInformation",
    "NoCardError",
    "NoReaderError",
    "NoServiceError",
    "Response",
    "SecureChannelError",
    "SessionClosedError",
    "StatusError",
    "TransportError",
    "TransportTimeoutError",
    "UsageError",
    "open_bac",
    "open_counter",
    "open_keycard",
    "open_pace",
    "open_scp02",
    "open_scp03",
    "open_scp11",
]
__version__ = "0.1.0"
