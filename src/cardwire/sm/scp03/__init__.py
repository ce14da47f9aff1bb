"""GlobalPlatform SCP03 (Card Specification v2.3 Amendment D v1.2), host and card side, sans-IO.

Handshake (host): :class:`Scp03Handshake` builds INITIALIZE UPDATE, checks the card's answer
(card cryptogram, pseudo-random card challenge), builds EXTERNAL AUTHENTICATE and yields a
:class:`Scp03HostSession`. Handshake (card): :class:`Scp03Card` answers both commands and yields a
:class:`Scp03CardSession`. Both sessions, and the passive :class:`Scp03Observer` used to decode
traces, share one codec (:class:`Scp03Channel`), so host and card
cannot drift apart.

Every verification failure raises a :class:`cardwire.errors.SecureChannelError` and ends the
session; later calls raise :class:`cardwire.errors.SessionClosedError`.

Modules (private; this package is the only import path): ``_params`` (levels, modes, sizes,
status words, the class byte), ``_keys`` (static and session keys, diversification, KDF
derivations), ``_channel`` (the per-APDU codec and its host, card and observer views; the
views are generic over the codec, ``Gp*``, and SCP02 names its own subclasses of them),
``_handshake`` (INITIALIZE UPDATE / EXTERNAL AUTHENTICATE on both sides, and :func:`observe`).
"""

from __future__ import annotations

from cardwire.sm.scp03._channel import (
    GpCardSession,
    GpChannelState,
    GpChannelView,
    GpCodec,
    GpHostSession,
    GpObserver,
    Scp03CardSession,
    Scp03Channel,
    Scp03HostSession,
    Scp03Observer,
)
from cardwire.sm.scp03._gp_handshake import GpCardHandshake, GpHostHandshake
from cardwire.sm.scp03._handshake import (
    InitializeUpdateResponse,
    KeyInformation,
    Scp03Card,
    Scp03Handshake,
    external_authenticate_command,
    observe,
)
from cardwire.sm.scp03._keys import (
    KDF3,
    NO_DIVERSIFICATION,
    KeyPurpose,
    SessionKeys,
    StaticKeys,
    derive_cryptogram,
    derive_session_keys,
    diversify_key,
    pseudo_random_challenge,
    scheme_name,
)
from cardwire.sm.scp03._keys import SCHEMES as DIVERSIFICATION_SCHEMES
from cardwire.sm.scp03._params import (
    AES_KEY_LENGTHS,
    DEFAULT_KEY,
    DEFAULT_KVN,
    DIVERSIFICATION_DATA_LENGTH,
    FULL_SECURITY,
    INS_EXTERNAL_AUTHENTICATE,
    INS_INITIALIZE_UPDATE,
    KEY_INFORMATION_LENGTH,
    MAX_SEQUENCE_COUNTER,
    PLAIN_ISO_INS,
    SCP03_ID,
    SEQUENCE_COUNTER_LENGTH,
    SW_AUTHENTICATION_FAILED,
    SW_CONDITIONS_NOT_SATISFIED,
    SW_KEY_NOT_FOUND,
    SW_SECURITY_NOT_SATISFIED,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    VALID_LEVELS,
    ZERO_BLOCK,
    Derivation,
    KeyParameter,
    Mode,
    SecurityLevel,
    carries_gp_sm,
    cla_in_mac,
    encoded_lc,
    plain_cla,
    secure_cla,
    security_level,
)

__all__ = [
    "AES_KEY_LENGTHS",
    "DEFAULT_KEY",
    "DEFAULT_KVN",
    "DIVERSIFICATION_DATA_LENGTH",
    "DIVERSIFICATION_SCHEMES",
    "FULL_SECURITY",
    "INS_EXTERNAL_AUTHENTICATE",
    "INS_INITIALIZE_UPDATE",
    "KDF3",
    "KEY_INFORMATION_LENGTH",
    "MAX_SEQUENCE_COUNTER",
    "NO_DIVERSIFICATION",
    "PLAIN_ISO_INS",
    "SCP03_ID",
    "SEQUENCE_COUNTER_LENGTH",
    "SW_AUTHENTICATION_FAILED",
    "SW_CONDITIONS_NOT_SATISFIED",
    "SW_KEY_NOT_FOUND",
    "SW_SECURITY_NOT_SATISFIED",
    "SW_WRONG_LENGTH",
    "SW_WRONG_P1P2",
    "VALID_LEVELS",
    "ZERO_BLOCK",
    "Derivation",
    "GpCardHandshake",
    "GpCardSession",
    "GpChannelState",
    "GpChannelView",
    "GpCodec",
    "GpHostHandshake",
    "GpHostSession",
    "GpObserver",
    "InitializeUpdateResponse",
    "KeyInformation",
    "KeyParameter",
    "KeyPurpose",
    "Mode",
    "Scp03Card",
    "Scp03CardSession",
    "Scp03Channel",
    "Scp03Handshake",
    "Scp03HostSession",
    "Scp03Observer",
    "SecurityLevel",
    "SessionKeys",
    "StaticKeys",
    "carries_gp_sm",
    "cla_in_mac",
    "derive_cryptogram",
    "derive_session_keys",
    "diversify_key",
    "encoded_lc",
    "external_authenticate_command",
    "observe",
    "plain_cla",
    "pseudo_random_challenge",
    "scheme_name",
    "secure_cla",
    "security_level",
]
