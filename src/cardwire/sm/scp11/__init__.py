"""GlobalPlatform SCP11 (Card Specification v2.3 Amendment F v1.4), host and card side, sans-IO.

SCP11b (the card authenticates), SCP11a (mutual, with the OCE certificate chain sent by PERFORM
SECURITY OPERATION) and SCP11c (as 11a, the card's static key in place of its ephemeral key).
Host: :class:`Scp11Handshake` builds the commands and checks the receipt; card:
:class:`Scp11Card`. After the handshake both sides wrap as SCP03 at level 33 with the receipt
as the first chaining value (``sessions``); every failure raises a
:class:`cardwire.errors.SecureChannelError`.

Modules: ``constants`` (KIDs, tags, variants), ``crypto`` (ECKA, X9.63 KDF, receipt),
``messages`` (command data, answers, certificate store), ``sessions``, ``host``, ``card``.
"""

from __future__ import annotations

from cardwire.sm.scp11.card import Scp11Card
from cardwire.sm.scp11.constants import KEY_USAGE_FULL, OCE_KID, TAG_CERTIFICATE_STORE, Variant
from cardwire.sm.scp11.crypto import CURVES, Scp11Keys, derive_keys
from cardwire.sm.scp11.host import Scp11Handshake
from cardwire.sm.scp11.messages import (
    get_certificates_command,
    parse_certificates,
    parse_key_reference,
)
from cardwire.sm.scp11.sessions import Scp11CardSession, Scp11HostSession

__all__ = [
    "CURVES",
    "KEY_USAGE_FULL",
    "OCE_KID",
    "TAG_CERTIFICATE_STORE",
    "Scp11Card",
    "Scp11CardSession",
    "Scp11Handshake",
    "Scp11HostSession",
    "Scp11Keys",
    "Variant",
    "derive_keys",
    "get_certificates_command",
    "parse_certificates",
    "parse_key_reference",
]
