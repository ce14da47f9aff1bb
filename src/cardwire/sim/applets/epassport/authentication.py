"""The simulated chip's side of Active Authentication (ICAO Doc 9303-11 6.1).

INTERNAL AUTHENTICATE 00 88 00 00 Lc=08 challenge Le: the chip signs the challenge with its AA
private key, ECDSA-SHA256 in the plain format r || s (BSI TR-03111 5.2.1), the algorithm its
DG14 announces. cardwire's choice, as most chips do: AA runs only under secure messaging
(9303-11 6.1 runs it after BAC/PACE); a plain command answers 6982.
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.epassport.issuance import Issuer, sign_plain
from cardwire.sw import SW

INS_INTERNAL_AUTHENTICATE = 0x88  # ISO/IEC 7816-4:2020 11.5.4
AA_CHALLENGE_LENGTH = 8  # 9303-11 6.1.1


def internal_authenticate(issuer: Issuer, ctx: ChannelContext, command: Command) -> Response:
    """Answer INTERNAL AUTHENTICATE with the AA signature of the challenge."""
    if not ctx.secured:
        raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
    if command.p1 or command.p2:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if len(command.data) != AA_CHALLENGE_LENGTH:
        raise CardStatus(SW.WRONG_LENGTH)
    return Response(sign_plain(issuer.chip_aa_key, command.data))


__all__ = ["INS_INTERNAL_AUTHENTICATE", "internal_authenticate"]
