"""Basic Access Control over a card or logical channel (ICAO Doc 9303-11 4.3, Appendix D.3).

:func:`open_bac` sends GET CHALLENGE, then EXTERNAL AUTHENTICATE with the terminal's
cryptogram from :class:`cardwire.sm.bac.BacHost`, checks the chip's answer, installs the 3DES
secure-messaging session on that card or channel and returns it (SSC = last 4 bytes of RND.IC
|| last 4 bytes of RND.IFD). BAC runs in plain: call it on a channel without a secure session
(a plain command ends the chip's session, ICAO 9303-11 9.8). A session of that channel that
has ended or was lost (card reset, transport error) is replaced: BAC is the explicit new
handshake that leaves the fail-closed state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cardwire.card import CardCommands
from cardwire.errors import CryptogramError, UsageError
from cardwire.sm.bac import (
    CRYPTOGRAM_LENGTH,
    BacHost,
    BacKeys,
    check_mrz_date,
    external_authenticate_command,
    get_challenge_command,
    mrz_information,
)
from cardwire.sm.base import Rng
from cardwire.sm.iso7816 import IsoSmHost, SmMode


@dataclass(frozen=True, slots=True)
class MrzInformation:
    """The three MRZ fields BAC keys come from (ICAO 9303-11 9.7.2). ``repr`` hides them: they
    are the document's access key."""

    document_number: str
    date_of_birth: str
    date_of_expiry: str

    def __post_init__(self) -> None:
        # Checked here so that no error message repeats the (secret) values.
        try:  # impossible dates are refused here, before anything reaches the card
            check_mrz_date(self.date_of_birth, "date of birth", unknown_allowed=True)
            check_mrz_date(self.date_of_expiry, "date of expiry", unknown_allowed=False)
        except UsageError as exc:
            raise UsageError(f"MRZ: {exc}") from None
        number = self.document_number.strip().upper()
        if not number or any(not (c.isdigit() or "A" <= c <= "Z" or c == "<") for c in number):
            raise UsageError("MRZ: the document number must be letters A-Z, digits or '<'")
        mrz_information(self.document_number, self.date_of_birth, self.date_of_expiry)

    @classmethod
    def parse(cls, text: str) -> MrzInformation:
        """``DOC,BIRTH,EXPIRY``: the document number (without its check digit; '<' fillers
        optional, longer numbers in full) and two YYMMDD dates."""
        parts = [part.strip() for part in text.split(",")]
        if len(parts) != 3 or not all(parts):
            raise UsageError(
                "the MRZ must be DOC,BIRTH,EXPIRY: document number, then the dates of birth "
                "and expiry as YYMMDD"
            )
        return cls(parts[0], parts[1], parts[2])

    def keys(self) -> BacKeys:
        """K_enc and K_mac (ICAO 9303-11 9.7.1)."""
        return BacKeys.from_mrz(self.document_number, self.date_of_birth, self.date_of_expiry)

    def __repr__(self) -> str:
        return "MrzInformation(<hidden>)"


def open_bac(
    card: CardCommands,
    mrz: MrzInformation | str,
    *,
    rng: Rng = os.urandom,
    mode: SmMode = SmMode.COMBINED,
) -> IsoSmHost:
    """Run BAC on ``card`` (a Card or a Channel), install the secure session there and
    return it.

    Raises :class:`cardwire.errors.StatusError` when the chip refuses a command (6300: wrong
    MRZ) and :class:`cardwire.errors.CryptogramError` when its cryptogram does not verify.
    """
    info = mrz if isinstance(mrz, MrzInformation) else MrzInformation.parse(mrz)
    host = BacHost(info.keys(), rng)
    # A new handshake replaces a session that ended or was lost (issue 15): BAC runs in plain.
    card.forget_ended_session()
    rnd_ic = card.send(get_challenge_command()).data  # ICAO 9303-11 D.3: RND.IC
    answer = card.send(external_authenticate_command(host.authenticate(rnd_ic)))
    if len(answer.data) != CRYPTOGRAM_LENGTH:
        raise CryptogramError(
            f"EXTERNAL AUTHENTICATE answered {len(answer.data)} bytes, expected 40"
        )
    session = host.finish(answer.data).host_session(mode)
    card.secure(session)  # installed on the channel BAC ran on, and bound to it
    return session


__all__ = ["MrzInformation", "open_bac"]
