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
derivations), ``_channel`` (the per-APDU codec and SCP03's views), ``_views`` (the host,
card and observer views, generic over the codec, ``Gp*``: SCP02 names its own subclasses),
``_handshake`` (INITIALIZE UPDATE / EXTERNAL AUTHENTICATE on both sides, and :func:`observe`),
``_whole_chain`` (a chain protected whole, as yubikit sends it).
"""

from __future__ import annotations

from cardwire.sm.scp03 import (
    _channel,
    _gp_handshake,
    _handshake,
    _keys,
    _params,
    _views,
    _whole_chain,
)
from cardwire.sm.scp03._channel import *  # noqa: F403
from cardwire.sm.scp03._gp_handshake import *  # noqa: F403
from cardwire.sm.scp03._handshake import *  # noqa: F403
from cardwire.sm.scp03._keys import *  # noqa: F403
from cardwire.sm.scp03._params import *  # noqa: F403
from cardwire.sm.scp03._views import *  # noqa: F403
from cardwire.sm.scp03._whole_chain import *  # noqa: F403

__all__ = (
    _channel.__all__
    + _gp_handshake.__all__
    + _handshake.__all__
    + _keys.__all__
    + _params.__all__
    + _views.__all__
    + _whole_chain.__all__
)
