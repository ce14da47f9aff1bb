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
from cardwire.cli.app import cli
from cardwire.cli.secrets import resolve_secret, secret_or_prompt
from cardwire.cli.secure_protocols import SecureProtocol, protocol_command, register
from cardwire.commands import SelectReturn
from cardwire.errors import UsageError
from cardwire.handshakes.bac import MrzInformation, open_bac
from cardwire.sim.profile import EPASSPORT_AID
from cardwire.sm.base import HostSecureSession


def establish(card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
    """Select the application and run BAC with the MRZ from ``values``."""
    mrz_text = secret_or_prompt(values.get("mrz"), "--mrz", "MRZ (DOC,BIRTH,EXPIRY)")
    if not mrz_text:
        raise UsageError("bac needs --mrz DOC,BIRTH,EXPIRY (document number, YYMMDD, YYMMDD)")
    mrz = MrzInformation.parse(resolve_secret(str(mrz_text), "--mrz"))
    aid = aid_value(values, EPASSPORT_AID)
    # ICAO 9303-10: the LDS1 application is selected by AID, P2 0C (no answer data).
    card.send(commands.select_by_aid(aid, fci=SelectReturn.NONE))
    return open_bac(card, mrz)


MRZ_OPTION = click.option(
    "--mrz",
    metavar="DOC,BIRTH,EXPIRY",
    help="Document number, date of birth and date of expiry (YYMMDD) from the MRZ; "
    "literal, @FILE or env:NAME.",
)
AID_OPTION = aid_option(EPASSPORT_AID, "The application selected before BAC.")

EXAMPLE = "cardwire bac --mrz 'L898902C<,690806,940623' send --sim 00A4020C020101 00B0000000"

BAC = register(
    SecureProtocol(
        name="bac",
        summary="Basic Access Control (ICAO 9303-11): secure messaging keyed by the MRZ.",
        options=(MRZ_OPTION, AID_OPTION),
        establish=establish,
        example=EXAMPLE,
    )
)

cli.add_command(protocol_command(BAC))
