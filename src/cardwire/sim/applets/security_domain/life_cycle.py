"""SET STATUS on the Security Domain (GPC 11.10): lock and unlock an application (P1 40), and
move the card life cycle (P1 80: OP_READY, INITIALIZED, SECURED, CARD_LOCKED, TERMINATED with
the transitions of GPC 5.1.1, ``cardwire.gp_content.card_transition_allowed``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cardwire.apdu import Command, Response
from cardwire.gp import SET_STATUS_APPLICATION, LifeCycle
from cardwire.gp_content import SET_STATUS_CARD, card_transition_allowed
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.security_domain.settings import CARD_LIFE_CYCLES, CARD_TERMINATED
from cardwire.sw import SW

if TYPE_CHECKING:
    from cardwire.sim.applets.security_domain.applet import SdChannelState, SecurityDomainApplet


def set_status(
    sd: SecurityDomainApplet, ctx: ChannelContext, state: SdChannelState, command: Command
) -> Response:
    # GPC 11.10.2.1 table 11-84: P1 80 = the ISD (card life cycle), 40 = an application.
    if command.p1 == SET_STATUS_CARD:
        return _set_card_status(sd, ctx, command)
    if command.p1 != SET_STATUS_APPLICATION:
        raise CardStatus(SW.INCORRECT_P1_P2)
    # GPC 11.10.2.2 / table 11-4: b8 set locks (LOCKED = 1xxxxx11; 83 from cardwire.gp,
    # 80 from GlobalPlatformPro GPSession.lockUnlockApplet); 07, 03 or 00 (GPP) unlocks.
    if command.p2 & 0x80:
        if command.p2 & 0x7C not in (0x00, 0x04) or command.p2 & 0x03 not in (0x00, 0x03):
            raise CardStatus(SW.INCORRECT_P1_P2)
        locked = True
    elif command.p2 in (0x00, LifeCycle.INSTALLED, LifeCycle.SELECTABLE):
        locked = False
    else:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if command.data == sd.aid:
        raise CardStatus(SW.INCORRECT_P1_P2)  # the ISD is not an application (use P1 80)
    sd.registry(ctx).set_locked(command.data, locked)
    ctx.card.commit()
    return Response()


def _set_card_status(sd: SecurityDomainApplet, ctx: ChannelContext, command: Command) -> Response:
    # GPC 11.10.2.3: the data field is empty or the ISD's AID.
    if command.data not in (b"", sd.aid):
        raise CardStatus(SW.INCORRECT_DATA)
    target = command.p2
    if target not in CARD_LIFE_CYCLES:
        raise CardStatus(SW.INCORRECT_P1_P2)
    # GPC 5.1.1: a transition the card life cycle does not allow is refused with 6985.
    if not card_transition_allowed(sd.card_life_cycle, target):
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    sd.card_life_cycle = target
    if target == CARD_TERMINATED:
        # GPC 5.1.1.5: TERMINATED is final; the card OS then refuses every command.
        ctx.card.terminate()
    else:
        ctx.card.commit()
    return Response()
