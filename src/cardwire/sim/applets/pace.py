"""PACE on the card side as a component: the ePassport and eID applets hold one (ICAO 9303-11
4.4, BSI TR-03110-3 B.1).

:class:`PaceResponder` runs MSE:Set AT (00 22 C1 A4) and the four GENERAL AUTHENTICATE steps
(10 86 .. / 00 86 ..) through :class:`cardwire.sm.pace.PaceCard` with the settings of a
profile's ``pace`` section; success installs the ISO secure-messaging session with SSC 0 on the
channel (9303-11 9.8.2). Which passwords exist, whether one may run now (retry counters) and
what happens around the token comparison are the holder's: a :class:`PasswordPolicy`. The
per-channel part is a :class:`PaceChannel`, kept in the holder's channel state.

Nothing here depends on an application being selected: a master-file level can hold a
responder to run PACE before any application is selected (ICAO 9303-11 4.2; issue 17).

The secure-messaging rule the ICAO applications share lives here too (:func:`sm_gate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cardwire.apdu import Command, Response
from cardwire.cla import SmIndication, parse_cla
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.epassport.config import PaceSettings
from cardwire.sm.iso7816 import IsoSmCard
from cardwire.sm.pace import (
    INS_GENERAL_AUTHENTICATE,
    INS_MSE,
    PaceCard,
    PaceOutcome,
    PacePassword,
    PasswordType,
)
from cardwire.sw import SW

PACE_TOKEN_STEP = 4  # 9303-11 4.4.4.2: the fourth GENERAL AUTHENTICATE carries the tokens
# 9303-11 4.4.4.2: GENERAL AUTHENTICATE steps 1-3 come with CLA 10, each answered: the holder
# applet's ``chained_steps``.
PACE_CHAINED_STEPS = frozenset({INS_GENERAL_AUTHENTICATE})


@dataclass(eq=False)
class PaceChannel:
    """One logical channel's PACE: the exchange running and the session it established."""

    card: PaceCard | None = field(default=None, repr=False)
    step: int = 0  # the GENERAL AUTHENTICATE step expected next (1-4; 0: no PACE running)
    session: IsoSmCard | None = field(default=None, repr=False)
    password: PasswordType | None = None  # the password of ``session``

    def forget(self) -> None:
        """Another protocol (BAC) took the channel: no PACE session to refer to any more."""
        self.session, self.password = None, None

    def established_with(self, ctx: ChannelContext, kinds: Sequence[PasswordType]) -> bool:
        """Whether this command arrived under this channel's PACE session, established with one
        of ``kinds``."""
        session = self.session
        return (
            ctx.secured
            and session is not None
            and ctx.secure_session is session
            and session.active
            and self.password in kinds
        )


class PasswordPolicy(Protocol):
    """What the holder of a :class:`PaceResponder` decides about passwords."""

    def pace_passwords(self) -> dict[PasswordType, PacePassword]:
        """The passwords PACE accepts (ePassport: MRZ and CAN, 9303-11 4.4.1)."""
        ...

    def password_status(
        self, ctx: ChannelContext, channel: PaceChannel, kind: PasswordType
    ) -> tuple[int, bool]:
        """The answer to MSE:Set AT for ``kind`` and whether PACE may run with it (retry
        counters: BSI TR-03110-3 B.1 answers 63Cx as a warning)."""
        ...

    def before_token_check(self, ctx: ChannelContext, kind: PasswordType) -> None:
        """Runs before the terminal's token is compared (step 4): where a decremented retry
        counter is committed before the comparison."""
        ...

    def after_pace(
        self, ctx: ChannelContext, kind: PasswordType, outcome: PaceOutcome, sw: int
    ) -> int:
        """PACE ended at step 4 with ``outcome``; returns the status word to answer."""
        ...


class OpenPasswords:
    """A :class:`PasswordPolicy` without retry counters (the ePassport's MRZ and CAN)."""

    def __init__(self, passwords: dict[PasswordType, PacePassword]) -> None:
        self._passwords = passwords

    def pace_passwords(self) -> dict[PasswordType, PacePassword]:
        return self._passwords

    def password_status(
        self, ctx: ChannelContext, channel: PaceChannel, kind: PasswordType
    ) -> tuple[int, bool]:
        return SW.SUCCESS, True

    def before_token_check(self, ctx: ChannelContext, kind: PasswordType) -> None:
        return None

    def after_pace(
        self, ctx: ChannelContext, kind: PasswordType, outcome: PaceOutcome, sw: int
    ) -> int:
        return sw


class PaceResponder:
    """The card side of PACE for one application (or, later, the master file)."""

    def __init__(self, settings: PaceSettings, policy: PasswordPolicy) -> None:
        self.settings = settings
        self.policy = policy

    def set_at(self, ctx: ChannelContext, channel: PaceChannel, command: Command) -> Response:
        # 9303-11 4.4.4.1: MSE:Set AT 00 22 C1 A4 selects protocol, password and parameters;
        # every MSE:Set AT starts a new PACE exchange on this channel.
        channel.card, channel.step = None, 0
        pace = PaceCard(self.settings.pace_infos, self.policy.pace_passwords(), ctx.card.random)
        answer = pace.process(command)
        if answer.sw != SW.SUCCESS:
            raise CardStatus(answer.sw)
        kind = pace.password_type
        assert kind is not None
        sw, allowed = self.policy.password_status(ctx, channel, kind)
        if allowed:
            channel.card, channel.step = pace, 1
        return Response(b"", sw)

    def general_authenticate(
        self, ctx: ChannelContext, channel: PaceChannel, command: Command
    ) -> Response:
        """One GENERAL AUTHENTICATE step; after step 4 the channel holds the new session."""
        pace, step = channel.card, channel.step
        if pace is None or pace.password_type is None:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # no MSE:Set AT before
        kind = pace.password_type
        # 9303-11 4.4.4.2: steps 1-3 are chained (CLA b5 set), the last one is not.
        if parse_cla(command.cla).chaining != (step < PACE_TOKEN_STEP):
            channel.card, channel.step = None, 0
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        if step == PACE_TOKEN_STEP:
            self.policy.before_token_check(ctx, kind)
        answer = pace.process(command)
        if pace.outcome is PaceOutcome.RUNNING:
            channel.step = step + 1
            return answer
        channel.card, channel.step = None, 0
        if step != PACE_TOKEN_STEP:
            raise CardStatus(answer.sw)  # malformed or out of order: the exchange is over
        sw = self.policy.after_pace(ctx, kind, pace.outcome, answer.sw)
        if pace.outcome is not PaceOutcome.ESTABLISHED or sw != SW.SUCCESS:
            raise CardStatus(sw)
        assert pace.session is not None
        # 9303-11 4.4.3.5 / 9.8.2: secure messaging with the new keys and SSC 0 starts with the
        # next command; a session held before answers this one (the card OS wraps with it).
        channel.session, channel.password = pace.session, kind
        ctx.secure_session = pace.session
        return answer


CHIP_PACE_KEY = "chip-pace"  # ChannelContext.extras: the channel's chip-level PaceChannel
CHIP_PACE_INS = frozenset({INS_MSE, INS_GENERAL_AUTHENTICATE})


def chip_pace_channel(ctx: ChannelContext) -> PaceChannel:
    """The channel's chip-level PACE state (kept in ``ctx.extras``, which survives a SELECT of
    an ICAO application under the chip's session)."""
    channel = ctx.extras.get(CHIP_PACE_KEY)
    if not isinstance(channel, PaceChannel):
        channel = ctx.extras[CHIP_PACE_KEY] = PaceChannel()
    return channel


def chip_pace_command(responder: PaceResponder, ctx: ChannelContext, command: Command) -> Response:
    """MSE:Set AT or GENERAL AUTHENTICATE sent to the MF (ICAO 9303-11 4.4.4)."""
    channel = chip_pace_channel(ctx)
    if command.ins == INS_MSE:
        return responder.set_at(ctx, channel, command)
    return responder.general_authenticate(ctx, channel, command)


def sm_gate(ctx: ChannelContext, command: Command) -> None:
    """The secure-messaging rule of the ICAO applications, before any instruction.

    A plain command while a session is active ends it: "the ICC MUST abort Secure Messaging if
    and only if a plain APDU is received or a Secure Messaging error occurs", "delete the stored
    session keys and reset the terminal's access rights" (BSI TR-03110-3 Appendix F.6; ICAO
    9303-11 9.8 has the same rule); the command is then processed as plain. A command with an
    SM class byte and no session to unwrap it answers 6988 (ISO 7816-4:2020 table 6, F.6
    "incorrect SM data objects"; cardwire's reading). Proprietary classes answer 6E00.
    """
    if not ctx.secured:
        if ctx.secure_session is not None:
            ctx.end_secure_session()
        if parse_cla(command.cla).sm is not SmIndication.NONE:
            raise CardStatus(SW.SM_DATA_OBJECTS_INCORRECT)
    if command.cla & 0x80:
        raise CardStatus(SW.CLA_NOT_SUPPORTED)  # interindustry commands only


__all__ = [
    "CHIP_PACE_INS",
    "CHIP_PACE_KEY",
    "PACE_CHAINED_STEPS",
    "OpenPasswords",
    "PaceChannel",
    "PaceResponder",
    "PasswordPolicy",
    "chip_pace_channel",
    "chip_pace_command",
    "sm_gate",
]
