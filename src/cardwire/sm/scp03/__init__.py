"""GlobalPlatform SCP03 (Card Specification v2.3 Amendment D v1.2), host and card side, sans-IO.

Handshake (host): :class:`Scp03Handshake` builds INITIALIZE UPDATE, checks the card's answer
(card cryptogram, pseudo-random card challenge), builds EXTERNAL AUTHENTICATE and yields a
:class:`Scp03HostSession`. Handshake (card): :class:`Scp03Card` answers both commands and yields a
:class:`Scp03CardSession`. Both sessions, and the passive :class:`Scp03Observer` used to decode
traces, share one codec (:class:`~cardwire.sm.scp03.channel.Scp03Channel`), so host and card
cannot drift apart.

Every verification failure raises a :class:`cardwire.errors.SecureChannelError` and ends the
session; later calls raise :class:`cardwire.errors.SessionClosedError`.

Modules: ``constants`` (sizes, status words), ``keys`` (static and session key sets),
``derivation`` (KDF uses), ``diversification`` (named key diversification templates),
``initialize_update`` (the card's answer codec), ``class_byte``, ``channel`` (the per-APDU
codec), ``sessions`` (host, card, observer views),
``external_authenticate``, ``host`` and ``card`` (the two handshakes), ``observe`` (traces).
"""

from __future__ import annotations

from cardwire.sm.scp03.card import Scp03Card
from cardwire.sm.scp03.channel import Scp03Channel
from cardwire.sm.scp03.constants import (
    AES_KEY_LENGTHS,
    DEFAULT_KEY,
    DEFAULT_KVN,
    DIVERSIFICATION_DATA_LENGTH,
    KEY_INFORMATION_LENGTH,
    MAX_SEQUENCE_COUNTER,
    PLAIN_ISO_INS,
    SEQUENCE_COUNTER_LENGTH,
    SW_AUTHENTICATION_FAILED,
    SW_CONDITIONS_NOT_SATISFIED,
    SW_KEY_NOT_FOUND,
    SW_SECURITY_NOT_SATISFIED,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    ZERO_BLOCK,
)
from cardwire.sm.scp03.derivation import derive_session_keys, pseudo_random_challenge
from cardwire.sm.scp03.diversification import SCHEMES as DIVERSIFICATION_SCHEMES
from cardwire.sm.scp03.diversification import diversify_key
from cardwire.sm.scp03.host import Scp03Handshake
from cardwire.sm.scp03.initialize_update import InitializeUpdateResponse, KeyInformation
from cardwire.sm.scp03.keys import SessionKeys, StaticKeys
from cardwire.sm.scp03.observe import observe
from cardwire.sm.scp03.sessions import Scp03CardSession, Scp03HostSession, Scp03Observer

__all__ = [
    "AES_KEY_LENGTHS",
    "DEFAULT_KEY",
    "DEFAULT_KVN",
    "DIVERSIFICATION_DATA_LENGTH",
    "DIVERSIFICATION_SCHEMES",
    "KEY_INFORMATION_LENGTH",
    "MAX_SEQUENCE_COUNTER",
    "PLAIN_ISO_INS",
    "SEQUENCE_COUNTER_LENGTH",
    "SW_AUTHENTICATION_FAILED",
    "SW_CONDITIONS_NOT_SATISFIED",
    "SW_KEY_NOT_FOUND",
    "SW_SECURITY_NOT_SATISFIED",
    "SW_WRONG_LENGTH",
    "SW_WRONG_P1P2",
    "ZERO_BLOCK",
    "InitializeUpdateResponse",
    "KeyInformation",
    "Scp03Card",
    "Scp03CardSession",
    "Scp03Channel",
    "Scp03Handshake",
    "Scp03HostSession",
    "Scp03Observer",
    "SessionKeys",
    "StaticKeys",
    "derive_session_keys",
    "diversify_key",
    "observe",
    "pseudo_random_challenge",
]
