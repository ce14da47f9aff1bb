"""The GlobalPlatform Security Domain applet: SCP03 and card management on the simulated card.

Commands (GlobalPlatform Card Specification v2.3, "GPC", and Amendment D v1.2 for SCP03):

- INITIALIZE UPDATE (50) and EXTERNAL AUTHENTICATE (82) through ``cardwire.sm.scp03.Scp03Card``;
  the session becomes ``ctx.secure_session`` of the channel (it belongs to that logical
  channel) and the card OS unwraps and wraps every later command with it, which enforces the
  security level: a command below the level answers 6982 and ends the session.
- GET DATA (CA): key information template 00E0, CPLC 9F7F, card data 0066 (also outside a
  session: host tools read them before authenticating).
- Under an authenticated session only, through the dispatch table ``applet.MANAGEMENT`` (one
  line per command): GET STATUS (F2), PUT KEY (D8), SET STATUS (F0: applications and the card
  life cycle), DELETE (E4: card content, or key sets as in ``key_deletion``), INSTALL (E6: for
  load, for install and make selectable, for personalization), LOAD (E8), STORE DATA (E2).
  They change the card's applet list through ``ctx.card.registry``
  (``cardwire.sim.applet.AppletRegistry``) and the Security Domain's own state (key sets,
  load files, card life cycle, data objects), all saved in the state file.

After a session ends on an error, every command but INITIALIZE UPDATE answers 6985 until a new
session is open; a management command with no session answers 6982. Deselect and reset end the
session (the OS does it). Every change (keys, sequence counter, applets) is committed before the
answer is returned.

A CARD_LOCKED card answers GET DATA, GET STATUS and SET STATUS only (to be unlocked); a
TERMINATED card answers GET DATA only, and the card OS then refuses everything (GPC 5.1.1).

Modules, one per job: ``settings`` (constants, default configuration, profile parsing),
``applet`` (:class:`SecurityDomainApplet`, its per-channel state, the handshake, GET DATA and
the dispatch table), ``status`` (GET STATUS, the registry views), ``content`` (INSTALL, LOAD,
DELETE), ``keys`` (PUT KEY), ``key_deletion`` (DELETE [key]), ``life_cycle`` (SET STATUS),
``store_data`` (STORE DATA).
"""

from __future__ import annotations

from cardwire.sim.applets.security_domain.applet import (
    SdChannelState,
    SecurityDomainApplet,
)
from cardwire.sim.applets.security_domain.settings import (
    APPLICATION_PRIVILEGES,
    CPLC_LENGTH,
    DEFAULT_AID,
    ISD_PRIVILEGES,
    MAX_KEY_SETS,
    MAX_STATUS_CHUNK,
    SECURITY_DOMAIN_PRIVILEGE,
    SW_ALGORITHM_NOT_SUPPORTED,
    SW_INVALID_KEY_CHECK_VALUE,
    TYPE_NAME,
    default_config,
    load_file_aid,
    module_aid,
)

__all__ = [
    "APPLICATION_PRIVILEGES",
    "CPLC_LENGTH",
    "DEFAULT_AID",
    "ISD_PRIVILEGES",
    "MAX_KEY_SETS",
    "MAX_STATUS_CHUNK",
    "SECURITY_DOMAIN_PRIVILEGE",
    "SW_ALGORITHM_NOT_SUPPORTED",
    "SW_INVALID_KEY_CHECK_VALUE",
    "TYPE_NAME",
    "SdChannelState",
    "SecurityDomainApplet",
    "default_config",
    "load_file_aid",
    "module_aid",
]
