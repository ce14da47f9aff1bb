"""``cardwire bac --mrz DOC,BIRTH,EXPIRY send APDU...`` and ``open bac --mrz ...`` in the shell.

Basic Access Control (ICAO Doc 9303-11 4.3): the ePassport application is selected (``--aid``,
the LDS1 AID by default), GET CHALLENGE and EXTERNAL AUTHENTICATE run with keys derived from
the MRZ, and the APDUs then travel under 3DES secure messaging. The MRZ is the document's
access key: it may be given literally, as ``@FILE`` or as ``env:NAME``, and is never printed.
"""

from __future__ import annotations

from typing import Any

import click

from cardwire import commands
from cardwire.card import CardCommands
from cardwire.cli.aid_option import aid_option, aid_value
from cardwire.cli.mrz_text import parse_mrz
from cardwire.cli.secrets import resolve_secret, secret_or_prompt
from cardwire.cli.secure_protocols import SecureProtocol, add_protocol
from cardwire.commands import SelectReturn
from cardwire.errors import StatusError, UsageError
from cardwire.handshakes.bac import open_bac
from cardwire.sim.profile import EPASSPORT_AID
from cardwire.sm.base import HostSecureSession


def establish(card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
    """Select the application and run BAC with the MRZ from ``values``."""
    mrz_text = secret_or_prompt(values.get("mrz"), "--mrz", "MRZ (DOC,BIRTH,EXPIRY)")
    if not mrz_text:
        raise UsageError("bac needs --mrz DOC,BIRTH,EXPIRY (document number, YYMMDD, YYMMDD)")
    mrz = parse_mrz(resolve_secret(str(mrz_text), "--mrz"))
    aid = aid_value(values, EPASSPORT_AID)
    # ICAO 9303-10: the LDS1 application is selected by AID, P2 0C (no answer data).
    card.send(commands.select_by_aid(aid, fci=SelectReturn.NONE))
    try:
        return open_bac(card, mrz)
    except StatusError as exc:
        # ICAO 9303-11 D.3: the chip answers 6300 to EXTERNAL AUTHENTICATE when the terminal's
        # cryptogram does not verify, i.e. the keys come from another MRZ
        if exc.sw != WRONG_SECRET_SW:
            raise
        raise StatusError(
            exc.sw,
            "BAC refused: the MRZ is probably wrong (document number, date of birth, date "
            "of expiry; or paste the MRZ lines)",
            exc.command,
        ) from None


WRONG_SECRET_SW = 0x6300  # ISO/IEC 7816-4 5.6: "no information given", after authentication

MRZ_OPTION = click.option(
    "--mrz",
    metavar="DOC,BIRTH,EXPIRY|LINES",
    help="Document number, date of birth and date of expiry (YYMMDD) from the MRZ, or the MRZ "
    "lines (TD3/TD2 line 2, TD1 lines 1 and 2); literal, @FILE or env:NAME.",
)
AID_OPTION = aid_option(EPASSPORT_AID, "The application selected before BAC.")

EXAMPLE = "cardwire bac --mrz 'L898902C<,690806,940623' send --sim 00A4020C020101 00B0000000"

BAC = add_protocol(
    SecureProtocol(
        name="bac",
        summary="Basic Access Control (ICAO 9303-11): secure messaging keyed by the MRZ.",
        options=(MRZ_OPTION, AID_OPTION),
        establish=establish,
        example=EXAMPLE,
    )
)
