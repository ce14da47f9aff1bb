"""The ePassport applet: an ICAO LDS1 application protected by Basic Access Control and PACE.

Sources: ICAO Doc 9303-10 (LDS: EF.COM, EF.DG1, EF.DG2, EF.SOD), 9303-11 section 4.3 and
Appendix D (BAC), 9303-11 section 9.8 (secure messaging), ISO/IEC 7816-4:2020 clause 11
(SELECT, READ BINARY, UPDATE BINARY, GET CHALLENGE, EXTERNAL AUTHENTICATE).

- AID ``A0000002471001`` (9303-10, LDS1 eMRTD application), multiselectable: every logical
  channel runs its own BAC and holds its own secure-messaging session and SSC.
- EF.COM 011E, EF.DG1 0101, EF.DG2 0102, EF.SOD 011D (SFI = the FID's low byte), described in
  the profile section like the file-system applet's EFs (:mod:`cardwire.sim.fs` model and
  :mod:`cardwire.sim.access` rules). DG1 is built from the profile's ``mrz`` (a TD3 MRZ, tag
  61 / 5F1F), DG2 is a synthetic biometric template whose image bytes are a pattern.
- BAC: GET CHALLENGE (Le 08) and EXTERNAL AUTHENTICATE with the keys derived from the MRZ
  (:class:`cardwire.sm.bac.BacCard`); success installs the 3DES session on the channel. The
  files' default rule is ``read: sm``: a plain READ BINARY answers 6982.
- PACE (ICAO 9303-11 4.4): MSE:Set AT (00 22 C1 A4) and the four GENERAL AUTHENTICATE steps
  (10 86 .. / 00 86 ..) run through :class:`cardwire.sm.pace.PaceCard` with the passwords of
  the profile's ``pace`` section (CAN, default ``123456``) and the MRZ; success installs the
  ISO secure-messaging session with SSC 0 on the channel (9303-11 9.8.2). EF.CardAccess (FID
  011C, SFI 1C, readable in plain) is generated from the same section with
  :mod:`cardwire.sm.card_access`; ICAO keeps it in the MF, the simulator in the application
  (reachable by its SFI, so a terminal needs no MF). BAC stays available beside PACE.
- PACE is a component the applet holds (:mod:`cardwire.sim.applets.pace`), as the eID applet
  holds its own; files are served by :mod:`cardwire.sim.applets.epassport.files` (the one
  file-command engine).
- A plain command while a session is active ends it: "the ICC MUST abort Secure Messaging if
  and only if a plain APDU is received or a Secure Messaging error occurs" (missing SM data
  objects 6987, incorrect ones 6988), "delete the stored session keys and reset the terminal's
  access rights" (BSI TR-03110-3 Appendix F.6; ICAO 9303-11 9.8 has the same rule, its
  subsection number not confirmed). Neither says the plain command is refused: it is then
  processed as plain, so protected files answer 6982.
- A command with an SM class byte and no session to unwrap it answers 6988: its SM data
  objects cannot be verified (F.6 "incorrect"; cardwire's reading).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cardwire.apdu import Command, Response
from cardwire.errors import CryptogramError
from cardwire.sim.applet import CardStatus, ChannelContext, ConfiguredApplet
from cardwire.sim.applets.epassport.authentication import (
    INS_INTERNAL_AUTHENTICATE,
    CaPending,
    chip_authentication,
    internal_authenticate,
    is_chip_authentication,
)
from cardwire.sim.applets.epassport.config import EpassportConfig, LdsFileConfig, LdsFiles
from cardwire.sim.applets.epassport.files import IcaoApplet
from cardwire.sim.applets.pace import (
    OpenPasswords,
    PaceChannel,
    PaceResponder,
)
from cardwire.sim.fs import ElementaryFile
from cardwire.sm.bac import CHALLENGE_LENGTH, CRYPTOGRAM_LENGTH, BacCard
from cardwire.sm.pace import INS_GENERAL_AUTHENTICATE, INS_MSE, PacePassword, PasswordType
from cardwire.sw import SW

INS_GET_CHALLENGE, INS_EXTERNAL_AUTHENTICATE = 0x84, 0x82  # ISO/IEC 7816-4:2020 11.5.3, 11.5.5


@dataclass(eq=False)
class PassportChannel:
    """What the applet keeps per logical channel: the current EF, the BAC exchange and PACE."""

    current_ef: ElementaryFile | None = None
    bac: BacCard | None = field(default=None, repr=False)
    challenged: bool = False  # a GET CHALLENGE answer awaits its EXTERNAL AUTHENTICATE
    pace: PaceChannel = field(default_factory=PaceChannel)
    chip_auth: CaPending = field(default_factory=CaPending)  # CA's Set AT protocol


class EpassportApplet(IcaoApplet[PassportChannel], ConfiguredApplet):
    """ICAO LDS1 application: the LDS EFs and EF.CardAccess, BAC and PACE, secure messaging per
    channel."""

    config_type = EpassportConfig
    type_name = "epassport"

    channel_type = PassportChannel

    def __init__(self, config: EpassportConfig) -> None:
        self.mrz = config.mrz
        self.issuer = config.issuer()
        files = LdsFiles.build(
            config.files,
            config.mrz,
            config.pace.card_access,
            name=config.aid,
            label="ICAO LDS1 eMRTD application",
            issuer=self.issuer,
        )
        super().__init__(config.aid, config.multiselectable, files)
        self.issuance = config.issuance
        self._keys = config.mrz.bac_keys()
        mrz = config.mrz
        # ICAO 9303-11 4.4.1: the ePassport's PACE passwords are the MRZ and the CAN.
        passwords = {
            PasswordType.MRZ: PacePassword.from_mrz(
                mrz.document_number, mrz.date_of_birth, mrz.date_of_expiry
            ),
            PasswordType.CAN: PacePassword.from_text(PasswordType.CAN, config.pace.can),
        }
        self.pace = PaceResponder(config.pace, OpenPasswords(passwords))

    def settings(self) -> EpassportConfig:
        """The configuration that rebuilds this applet with its current file contents."""
        return EpassportConfig(
            aid=self.aid,
            multiselectable=self.multiselectable,
            mrz=self.mrz,
            pace=self.pace.settings,
            files=self.export_files(),
            issuance=self.issuance,
        )

    def export_files(self) -> tuple[LdsFileConfig, ...]:
        """The ``files`` list with the current contents."""
        return self.lds.export(self.mrz, self.pace.settings.card_access)

    # --- the Applet contract (the rest is IcaoApplet's) --------------------------------------

    def application_command(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        ins = command.ins
        if is_chip_authentication(command, state.chip_auth.protocol):  # 9303-11 6.2
            return chip_authentication(self.issuer, ctx, state.chip_auth, command)
        if ins == INS_MSE:
            return self.pace.set_at(ctx, state.pace, command)
        if ins == INS_GENERAL_AUTHENTICATE:
            answer = self.pace.general_authenticate(ctx, state.pace, command)
            if state.pace.session is not None and ctx.secure_session is state.pace.session:
                state.bac, state.challenged = None, False  # PACE took the channel
            return answer
        if ins == INS_INTERNAL_AUTHENTICATE:  # Active Authentication (9303-11 6.1)
            return internal_authenticate(self.issuer, ctx, command)
        if ins == INS_GET_CHALLENGE:
            return self._get_challenge(ctx, state, command)
        if ins == INS_EXTERNAL_AUTHENTICATE:
            return self._external_authenticate(ctx, state, command)
        raise CardStatus(SW.INS_NOT_SUPPORTED)

    # --- BAC (ICAO 9303-11 4.3, Appendix D.3) -----------------------------------------------

    def _get_challenge(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        # ICAO 9303-11 D.3: GET CHALLENGE 00 84 00 00 08 answers RND.IC (8 bytes).
        if command.p1 or command.p2:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if command.data or command.ne != CHALLENGE_LENGTH:
            raise CardStatus(SW.WRONG_LENGTH)
        if state.bac is None:
            state.bac = BacCard(self._keys, ctx.card.random)
        state.challenged = True
        return Response(state.bac.challenge())

    def _external_authenticate(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        # ICAO 9303-11 D.3: EXTERNAL AUTHENTICATE 00 82 00 00 28 E_IFD || M_IFD 28.
        if ctx.secured:
            # cardwire's choice: BAC runs in plain; a new BAC inside a session is refused.
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        if command.p1 or command.p2:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if len(command.data) != CRYPTOGRAM_LENGTH or command.ne not in (0, CRYPTOGRAM_LENGTH, 256):
            raise CardStatus(SW.WRONG_LENGTH)
        if state.bac is None or not state.challenged:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # no GET CHALLENGE yet
        state.challenged = False  # RND.IC is used once, whatever the outcome
        try:
            answer, keys = state.bac.authenticate(command.data)
        except CryptogramError:
            # The challenge is spent; "verification failed" (ISO/IEC 7816-4:2020 table 6).
            raise CardStatus(SW.VERIFICATION_FAILED) from None
        ctx.secure_session = keys.card_session()
        state.pace.forget()
        return Response(answer)


__all__ = ["EpassportApplet", "PassportChannel"]
