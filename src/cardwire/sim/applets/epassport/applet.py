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
- Subclasses (the eID-style applet) adjust PACE through small hooks: which passwords exist,
  whether a password may run now (retry counters), what happens before the token check and
  after the outcome, and extra instructions.
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from cardwire.apdu import Command, Response
from cardwire.cla import SmIndication, parse_cla
from cardwire.errors import CryptogramError
from cardwire.sim.access import SecurityStatus
from cardwire.sim.applet import Applet, CardStatus, ChannelContext
from cardwire.sim.applets.epassport.config import EpassportConfig, LdsFileConfig, LdsFiles
from cardwire.sim.config_loader import export, load, without_type
from cardwire.sim.file_commands import read_binary, select_answer, update_binary
from cardwire.sim.fs import ElementaryFile
from cardwire.sm.bac import CHALLENGE_LENGTH, CRYPTOGRAM_LENGTH, BacCard
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
# A channel's security status here is only whether the command came under secure messaging
# (ICAO 9303-11 9.8; BSI TR-03110-3 F.6): the two values are built once.
_PLAIN_STATUS = SecurityStatus()
_SECURED_STATUS = SecurityStatus(secured=True)


@dataclass(eq=False)
class PassportChannel:
    """What the applet keeps per logical channel: the current EF, the BAC exchange, the PACE
    exchange and which password established the channel's PACE session."""

    current_ef: ElementaryFile | None = None
    bac: BacCard | None = field(default=None, repr=False)
    challenged: bool = False  # a GET CHALLENGE answer awaits its EXTERNAL AUTHENTICATE
    pace: PaceCard | None = field(default=None, repr=False)
    pace_step: int = 0  # the GENERAL AUTHENTICATE step expected next (1-4; 0: no PACE running)
    pace_session: IsoSmCard | None = field(default=None, repr=False)
    pace_password: PasswordType | None = None  # the password of ``pace_session``


class EpassportApplet(Applet):
    """ICAO LDS1 application: the LDS EFs and EF.CardAccess, BAC and PACE, secure messaging per
    channel."""

    # ICAO 9303-11 4.4.4.2: GENERAL AUTHENTICATE steps 1-3 come with CLA 10, each answered.
    chained_steps = frozenset({INS_GENERAL_AUTHENTICATE})
    #: Whether BAC (GET CHALLENGE, EXTERNAL AUTHENTICATE) is offered beside PACE.
    supports_bac = True

    def __init__(self, config: EpassportConfig) -> None:
        self.aid = config.aid
        self.mrz = config.mrz
        self.pace = config.pace
        self.multiselectable = config.multiselectable
        self.lds = LdsFiles.build(
            config.files,
            config.mrz,
            config.pace.card_access,
            name=config.aid,
            label=self.df_label,
        )
        self.files = self.lds.df
        self._keys = config.mrz.bac_keys()

    #: The application DF's label (the eID applet names its own).
    df_label = "ICAO LDS1 eMRTD application"

    @classmethod
    def from_config(cls, section: Mapping[str, object]) -> Self:
        """Build the applet from its profile section (configuration merged with saved state)."""
        return cls(load(EpassportConfig, without_type(section)))

    def settings(self) -> EpassportConfig:
        """The configuration that rebuilds this applet with its current file contents."""
        return EpassportConfig(
            aid=self.aid,
            multiselectable=self.multiselectable,
            mrz=self.mrz,
            pace=self.pace,
            files=self.export_files(),
        )

    def export_state(self) -> dict[str, Any]:
        return {"type": "epassport", **export(self.settings())}

    def export_files(self) -> tuple[LdsFileConfig, ...]:
        """The ``files`` list with the current contents."""
        return self.lds.export(self.mrz, self.pace.card_access)

    # --- the Applet contract ----------------------------------------------------------------

    def new_channel_state(self) -> PassportChannel:
        return PassportChannel()

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        """Selected by AID: no current EF; P2 0C answers nothing, else the FCI/FCP."""
        state = self._state(ctx)
        state.current_ef = None
        return Response(select_answer(command.p2 & 0x0C, self.files, self.aid, fmd_allowed=False))

    def deselect(self, ctx: ChannelContext) -> None:
        ctx.state = self.new_channel_state()

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        state = self._state(ctx)
        if not ctx.secured:
            if ctx.secure_session is not None:
                # BSI TR-03110-3 F.6 / ICAO 9303-11 9.8 (SM termination): a plain APDU aborts
                # secure messaging; the session keys are deleted and the access rights reset.
                ctx.end_secure_session()
            if parse_cla(command.cla).sm is not SmIndication.NONE:
                # Protected, but no session holds keys to check it: 6988 "incorrect SM data
                # objects" (ISO 7816-4:2020 table 6; BSI TR-03110-3 F.6).
                raise CardStatus(SW.SM_DATA_OBJECTS_INCORRECT)
        if command.cla & 0x80:
            raise CardStatus(SW.CLA_NOT_SUPPORTED)  # interindustry commands only
        ins = command.ins
        if ins == 0xA4:
            return self._select(state, command)
        if ins in (0xB0, 0xB1):
            return self._read_binary(ctx, state, command)
        if ins == 0xD6:
            return self._update_binary(ctx, state, command)
        if ins == INS_MSE:
            return self._set_at(ctx, state, command)
        if ins == INS_GENERAL_AUTHENTICATE:
            return self._general_authenticate(ctx, state, command)
        if ins == 0x84 and self.supports_bac:
            return self._get_challenge(ctx, state, command)
        if ins == 0x82 and self.supports_bac:
            return self._external_authenticate(ctx, state, command)
        return self.other_instruction(ctx, state, command)

    def other_instruction(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        """Hook: instructions a subclass adds (the ePassport has none: 6D00)."""
        raise CardStatus(SW.INS_NOT_SUPPORTED)

    def _state(self, ctx: ChannelContext) -> PassportChannel:
        if not isinstance(ctx.state, PassportChannel):
            ctx.state = self.new_channel_state()
        return ctx.state

    # --- SELECT (ISO/IEC 7816-4:2020 11.2.2) ------------------------------------------------

    def _select(self, state: PassportChannel, command: Command) -> Response:
        # ICAO 9303-10: EFs are selected by FID (P1 00 or 02); P2 b4-b3 the answer, 0C none.
        if command.p1 == 0x04:
            raise CardStatus(SW.FILE_NOT_FOUND)  # a DF name no applet has (the OS asked us)
        if command.p1 not in (0x00, 0x02) or command.p2 & 0xF3:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if len(command.data) != 2:
            raise CardStatus(SW.WRONG_LENGTH)
        found = self.files.child(int.from_bytes(command.data, "big"))
        if not isinstance(found, ElementaryFile):
            raise CardStatus(SW.FILE_NOT_FOUND)
        state.current_ef = found
        return Response(select_answer(command.p2 & 0x0C, found, None, fmd_allowed=False))

    # --- READ / UPDATE BINARY: the one file-command engine ---------------------------------

    @staticmethod
    def _status(ctx: ChannelContext) -> SecurityStatus:
        # Security status per channel: the command arrived under this channel's session.
        return _SECURED_STATUS if ctx.secured else _PLAIN_STATUS

    def _read_binary(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        answer, state.current_ef = read_binary(
            self.files, state.current_ef, command, self._status(ctx)
        )
        return answer

    def _update_binary(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        state.current_ef = update_binary(self.files, state.current_ef, command, self._status(ctx))
        ctx.card.commit()
        return Response()

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
        state.pace_session, state.pace_password = None, None
        return Response(answer)

    # --- PACE (ICAO 9303-11 4.4.4) -------------------------------------------------------------

    def pace_passwords(self) -> dict[PasswordType, PacePassword]:
        """Hook: the passwords PACE accepts (ePassport: the MRZ and the CAN, 9303-11 4.4.1)."""
        mrz = self.mrz
        return {
            PasswordType.MRZ: PacePassword.from_mrz(
                mrz.document_number, mrz.date_of_birth, mrz.date_of_expiry
            ),
            PasswordType.CAN: PacePassword.from_text(PasswordType.CAN, self.pace.can),
        }

    def password_status(
        self, ctx: ChannelContext, state: PassportChannel, kind: PasswordType
    ) -> tuple[int, bool]:
        """Hook: the answer to MSE:Set AT for ``kind`` and whether PACE may run with it (retry
        counters: BSI TR-03110-3 B.1 answers 63Cx as a warning)."""
        return SW.SUCCESS, True

    def before_token_check(self, ctx: ChannelContext, kind: PasswordType) -> None:
        """Hook: runs before the terminal's token is compared (step 4): the place to commit a
        decremented retry counter before the comparison."""

    def after_pace(
        self, ctx: ChannelContext, kind: PasswordType, outcome: PaceOutcome, sw: int
    ) -> int:
        """Hook: PACE ended at step 4 with ``outcome``; returns the status word to answer."""
        return sw

    def established_with(
        self, ctx: ChannelContext, state: PassportChannel, kinds: Sequence[PasswordType]
    ) -> bool:
        """Whether this command arrived under a PACE session of this channel established with
        one of ``kinds``."""
        session = state.pace_session
        return (
            ctx.secured
            and session is not None
            and ctx.secure_session is session
            and session.active
            and state.pace_password in kinds
        )

    def _set_at(self, ctx: ChannelContext, state: PassportChannel, command: Command) -> Response:
        # 9303-11 4.4.4.1: MSE:Set AT 00 22 C1 A4 selects protocol, password and parameters;
        # every MSE:Set AT starts a new PACE exchange on this channel.
        state.pace, state.pace_step = None, 0
        pace = PaceCard(self.pace.pace_infos, self.pace_passwords(), ctx.card.random)
        answer = pace.process(command)
        if answer.sw != SW.SUCCESS:
            raise CardStatus(answer.sw)
        kind = pace.password_type
        assert kind is not None
        sw, allowed = self.password_status(ctx, state, kind)
        if allowed:
            state.pace, state.pace_step = pace, 1
        return Response(b"", sw)

    def _general_authenticate(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        pace, step = state.pace, state.pace_step
        if pace is None or pace.password_type is None:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # no MSE:Set AT before
        kind = pace.password_type
        # 9303-11 4.4.4.2: steps 1-3 are chained (CLA b5 set), the last one is not.
        if parse_cla(command.cla).chaining != (step < PACE_TOKEN_STEP):
            state.pace, state.pace_step = None, 0
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        if step == PACE_TOKEN_STEP:
            self.before_token_check(ctx, kind)
        answer = pace.process(command)
        if pace.outcome is PaceOutcome.RUNNING:
            state.pace_step = step + 1
            return answer
        state.pace, state.pace_step = None, 0
        if step != PACE_TOKEN_STEP:
            raise CardStatus(answer.sw)  # malformed or out of order: the exchange is over
        sw = self.after_pace(ctx, kind, pace.outcome, answer.sw)
        if pace.outcome is not PaceOutcome.ESTABLISHED or sw != SW.SUCCESS:
            raise CardStatus(sw)
        assert pace.session is not None
        # 9303-11 4.4.3.5 / 9.8.2: secure messaging with the new keys and SSC 0 starts with the
        # next command; a session held before answers this one (the card OS wraps with it).
        state.bac, state.challenged = None, False
        state.pace_session, state.pace_password = pace.session, kind
        ctx.secure_session = pace.session
        return answer


__all__ = ["EpassportApplet", "PassportChannel"]
