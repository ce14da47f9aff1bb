"""The ICAO chip structure: PACE and EF.CardAccess at the master-file level.

ICAO 9303-10 4.7 (LDS2 file structure) and 9303-11 4.2 (inspection procedure) and 9.2 put
EF.CardAccess (FID 011C, SFI 1C) in the MF: a terminal reads it right after reset, runs PACE at
the chip level, then selects the eMRTD application under secure messaging (the session stays
on: cardwire.sm.selection). BSI TR-03110 eID cards do the same with the eID's PIN and PUK.

On the simulated card the MF is the file tree of the default file-system applet, the application
current after reset (docs/simulator.md, "The ICAO chip structure"). When the card holds an
ePassport or an eID applet, :func:`attach_chip_pace` gives that file-system applet

- a PACE responder (:class:`cardwire.sim.applets.pace.PaceResponder`) with the passwords the
  chip knows: the ePassport's MRZ and CAN, and the eID's CAN, PIN and PUK (the eID keeps its
  retry counter: its password policy is used for the PIN and the PUK);
- EF.CardAccess 011C (SFI 1C, read always, update never) in the MF, generated from the PACE
  settings of the ePassport (else of the eID) when the profile's MF has no 011C.
"""

from __future__ import annotations

from collections.abc import Sequence

from cardwire.sim.access import FileAccess
from cardwire.sim.applet import ChannelContext
from cardwire.sim.applets.eid import EidApplet
from cardwire.sim.applets.epassport.applet import EpassportApplet
from cardwire.sim.applets.epassport.config import CARD_ACCESS_RULES
from cardwire.sim.applets.epassport.lds import EF_CARD_ACCESS, SFI_CARD_ACCESS
from cardwire.sim.applets.filesystem import FileSystemApplet
from cardwire.sim.applets.pace import PACE_CHAINED_STEPS, PaceChannel, PaceResponder
from cardwire.sim.fs import ElementaryFile, Structure
from cardwire.sm.pace import PaceOutcome, PacePassword, PasswordType
from cardwire.sw import SW

_EID_KINDS = (PasswordType.PIN, PasswordType.PUK)


class ChipPasswords:
    """The chip's PACE passwords (a ``PasswordPolicy``): the ePassport's MRZ and CAN, the eID's
    CAN, PIN and PUK; the eID decides about its PIN and PUK (retry counter, TR-03110-2)."""

    def __init__(self, passport: dict[PasswordType, PacePassword], eid: EidApplet | None) -> None:
        self._passport = passport
        self._eid = eid

    def pace_passwords(self) -> dict[PasswordType, PacePassword]:
        passwords = dict(self._passport)
        if self._eid is not None:
            passwords.update(self._eid.pace_passwords())
        return passwords

    def password_status(
        self, ctx: ChannelContext, channel: PaceChannel, kind: PasswordType
    ) -> tuple[int, bool]:
        if self._eid is not None and kind in _EID_KINDS:
            return self._eid.password_status(ctx, channel, kind)
        return SW.SUCCESS, True

    def before_token_check(self, ctx: ChannelContext, kind: PasswordType) -> None:
        if self._eid is not None and kind in _EID_KINDS:
            self._eid.before_token_check(ctx, kind)

    def after_pace(
        self, ctx: ChannelContext, kind: PasswordType, outcome: PaceOutcome, sw: int
    ) -> int:
        if self._eid is not None and kind in _EID_KINDS:
            return self._eid.after_pace(ctx, kind, outcome, sw)
        return sw


def attach_chip_pace(applets: Sequence[object], default: object) -> None:
    """Give the default file-system applet (the MF) PACE and EF.CardAccess when the card holds
    an ePassport or eID applet (see the module docstring); otherwise change nothing."""
    if not isinstance(default, FileSystemApplet):
        return
    passport = next((a for a in applets if isinstance(a, EpassportApplet)), None)
    eid = next((a for a in applets if isinstance(a, EidApplet)), None)
    holder = passport if passport is not None else eid
    if holder is None:
        return
    passwords: dict[PasswordType, PacePassword] = {}
    if passport is not None:  # ICAO 9303-11 4.4.1: the eMRTD's passwords are MRZ and CAN
        mrz = passport.mrz
        passwords[PasswordType.MRZ] = PacePassword.from_mrz(
            mrz.document_number, mrz.date_of_birth, mrz.date_of_expiry
        )
        passwords[PasswordType.CAN] = PacePassword.from_text(
            PasswordType.CAN, passport.pace.settings.can
        )
    settings = holder.pace.settings
    default.chip_pace = PaceResponder(settings, ChipPasswords(passwords, eid))
    default.chained_steps = PACE_CHAINED_STEPS  # 9303-11 4.4.4.2: chained steps 1-3
    mf = default.mf
    if mf.child(EF_CARD_ACCESS) is None:
        mf.children.append(
            ElementaryFile(
                EF_CARD_ACCESS,
                Structure.TRANSPARENT,
                mf,
                access=FileAccess.from_config(CARD_ACCESS_RULES),
                sfi=SFI_CARD_ACCESS,
                data=settings.card_access,
                label="EF.CardAccess",
            )
        )


__all__ = ["ChipPasswords", "attach_chip_pace"]
