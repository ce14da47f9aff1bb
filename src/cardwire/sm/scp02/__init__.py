"""GlobalPlatform SCP02 (Card Specification v2.3.1 Annex E), implementation options 15 and 55,
host and card side, sans-IO.

Host: :class:`Scp02Handshake` (INITIALIZE UPDATE, card cryptogram, EXTERNAL AUTHENTICATE) gives
a :class:`Scp02HostSession`; card: :class:`Scp02Card` gives a :class:`Scp02CardSession`. Both
and the trace :class:`Scp02Observer` share one codec (``channel``): 3DES session keys from the
sequence counter, C-MAC on the modified APDU chained through the encrypted ICV, C-DECRYPTION.
Security levels 00, 01, 03 (neither option has R-MAC). Every verification failure raises a
:class:`cardwire.errors.SecureChannelError` and ends the session.
"""

from __future__ import annotations

from cardwire.sm.scp02.card import Scp02Card
from cardwire.sm.scp02.constants import I_15, I_55, Option, SecurityLevel
from cardwire.sm.scp02.crypto import derive_session_keys, pseudo_random_challenge
from cardwire.sm.scp02.host import Scp02Handshake
from cardwire.sm.scp02.initialize_update import InitializeUpdateResponse
from cardwire.sm.scp02.keys import SessionKeys, StaticKeys
from cardwire.sm.scp02.sessions import Scp02CardSession, Scp02HostSession, Scp02Observer

__all__ = [
    "I_15",
    "I_55",
    "InitializeUpdateResponse",
    "Option",
    "Scp02Card",
    "Scp02CardSession",
    "Scp02Handshake",
    "Scp02HostSession",
    "Scp02Observer",
    "SecurityLevel",
    "SessionKeys",
    "StaticKeys",
    "derive_session_keys",
    "pseudo_random_challenge",
]
