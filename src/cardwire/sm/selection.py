"""Which SELECT ends which secure session: the one rule table the card and the host share.

Every secure session has a *scope* (docs/secure-messaging.md, "SELECT and secure sessions"):

- ``CHIP`` (PACE, ICAO 9303-11 4.2 and 9.8): established at the chip level; a protected SELECT
  of an application that takes the chip's session (the eMRTD and eID applications, and the MF's
  own application) keeps the session and is answered under secure messaging.
- ``APPLICATION`` (BAC, ICAO 9303-11 4.3 and 9.8; counter-mode ISO SM, ISO/IEC 7816-4:2020
  10.2): established inside one application; a protected SELECT of that same application keeps
  the session and is answered under secure messaging; selecting another application deselects
  the one holding the session and ends it (ISO/IEC 7816-4:2020 5.4.2, the security status
  belongs to the application).
- ``SELECTION`` (SCP03, GP Card Spec v2.3 10.2.3 and Amendment D 6.1; the Keycard secure
  channel): SELECT is sent plain (CLA 00, never wrapped) and any SELECT by AID on the channel
  ends the session, a re-SELECT of the application holding it included (Java Card deselects
  and selects it again; GP 10.2.3: deselection terminates the Secure Channel Session).

A session that declares no ``scope`` keeps the rules cardwire had before: the card ends it at
any SELECT by AID, the host protects the SELECT like any other command.
"""

from __future__ import annotations

from enum import StrEnum

from cardwire.apdu import Command

INS_SELECT = 0xA4
P1_BY_DF_NAME = 0x04  # ISO/IEC 7816-4:2020 11.2.2 table 62: selection by DF name (AID)


class SessionScope(StrEnum):
    """How far a secure session reaches across SELECT by AID (see the module docstring)."""

    CHIP = "chip"
    APPLICATION = "application"
    SELECTION = "selection"


def scope_of(session: object) -> SessionScope:
    """The scope a host or card session declares (``SELECTION`` when it declares none)."""
    scope = getattr(session, "scope", None)
    return scope if isinstance(scope, SessionScope) else SessionScope.SELECTION


def is_application_select(command: Command) -> bool:
    """SELECT by DF name (an application AID) with an interindustry class byte."""
    return command.ins == INS_SELECT and command.p1 == P1_BY_DF_NAME and not command.cla & 0x80


def card_keeps_session(
    scope: SessionScope, *, secured: bool, same_application: bool, takes_chip_session: bool
) -> bool:
    """Whether the card keeps a channel's session across a SELECT by AID (and answers it under
    secure messaging). ``secured``: the SELECT arrived protected by that session."""
    if not secured:
        return False  # a plain APDU ends ISO SM (ICAO 9303-11 9.8); SCP03/Keycard: SELECTION
    if scope is SessionScope.CHIP:
        return takes_chip_session
    if scope is SessionScope.APPLICATION:
        return same_application
    return False


def survives_select(session: object, secured: bool, target: object, current: object) -> bool:
    """The card's rule for a channel's ``session`` (None: no session) at a SELECT by AID of the
    application ``target`` while ``current`` is selected (objects with ``takes_chip_session``)."""
    if session is None or not getattr(session, "active", False):
        return False
    return card_keeps_session(
        scope_of(session),
        secured=secured,
        same_application=target is current,
        takes_chip_session=bool(getattr(target, "takes_chip_session", False)),
    )


def host_sends_plain_and_ends(session: object) -> bool:
    """Whether the host sends a SELECT by AID plain and ends its session with it (a declared
    scope ``SELECTION``); otherwise it protects the SELECT and expects a protected answer."""
    return getattr(session, "scope", None) is SessionScope.SELECTION


SELECTION_ENDED = (
    "a SELECT by AID ended the secure channel: it deselects the application that held it "
    "(SCP03: GP Card Spec v2.3 10.2.3; Keycard: SELECT resets the secure channel)"
)

__all__ = [
    "SELECTION_ENDED",
    "SessionScope",
    "card_keeps_session",
    "host_sends_plain_and_ends",
    "is_application_select",
    "scope_of",
    "survives_select",
]
