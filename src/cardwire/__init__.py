"""cardwire: talk to smart cards securely.

APDUs (ISO 7816-4), secure messaging (ISO SM with BAC and PACE, GlobalPlatform SCP03, the
Keycard secure channel), logical channels shared safely between threads, and a simulated
card that can sit behind a real PC/SC reader.
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.errors import (
    CardwireError,
    DecodeError,
    SecureChannelError,
    StatusError,
    TransportError,
    UsageError,
)

__all__ = [
    "CardwireError",
    "Command",
    "DecodeError",
    "Response",
    "SecureChannelError",
    "StatusError",
    "TransportError",
    "UsageError",
]
__version__ = "0.1.0"
