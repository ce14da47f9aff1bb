"""An eID-style applet: PACE with CAN, PIN and PUK, the PIN's retry counter, RESET RETRY COUNTER.

Sources: BSI TR-03110-4 2.2.1 (the eID application AID E80704007F00070302, from id-eID
0.4.0.127.0.7.3.2), BSI TR-03110-2 (PIN management: suspending, resuming, blocking and
unblocking the PIN), TR-03110-3 B.1 (MSE:Set AT answering 63Cx with the password's retry
counter) and ICAO 9303-11 4.4 (PACE). How public implementations read these rules:
PersoSim (PersoSim/de.persosim.simulator, protocols/pace/AbstractPaceProtocol.java and
protocols/pin/AbstractPinProtocol.java) and OpenSC/vsmartcard's npa-tool
(frankmorgner/vsmartcard, npa/src/npa-tool.c: "resume PIN" = PACE with CAN, then PACE with PIN
in that channel; "unblock PIN" = PACE with PUK, then RESET RETRY COUNTER 00 2C 03 03).

The rules this applet follows:

- Passwords (TR-03110-2, 9303-11 4.4.1): CAN (no counter), PIN with a retry counter of 3, PUK.
  MRZ and BAC are not offered (an eID application, not an ePassport).
- MSE:Set AT with the PIN answers 9000 at 3 tries, 63C2 at 2 (a warning, PACE goes on); at 1
  the PIN is *suspended*: 63C1, and PACE runs only inside the secure messaging of a PACE with
  the CAN on the same channel (the PIN is *resumed*); at 0 the PIN is *blocked*: 63C0 and no
  PACE. Without a running PACE, GENERAL AUTHENTICATE answers 6985.
- The counter is decremented and committed *before* the terminal's token is compared (step 4:
  the comparison of the password), restored to 3 on success, and answered as 63Cx (x tries
  left) on a mismatch; a malformed step 4 (no comparison made) gives the try back.
- RESET RETRY COUNTER (ISO 7816-4 11.5.10, TR-03110 usage), P2 03 (the PIN): P1 03 (no data)
  sets the counter to 3 under a PACE-PUK session (unblock / resume); P1 02 with a new PIN sets
  PIN and counter under a PACE-PIN or PACE-PUK session. Anything else answers 6982.
- Data files (synthetic DG1/DG4/DG5-style EFs) are readable only under secure messaging, i.e.
  after PACE (a real eID also requires Terminal and Chip Authentication: out of scope here).
  EF.CardAccess (011C) is readable in plain.
- The PUK has no retry or use counter here (a real card may limit PUK uses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cardwire.apdu import Command, Response
from cardwire.hexutil import to_hex
from cardwire.sim.applet import CardStatus, ChannelContext, ConfiguredApplet
from cardwire.sim.applets.epassport.config import (
    LdsFileConfig,
    LdsFiles,
    PaceSettings,
    card_access_entry,
)
from cardwire.sim.applets.epassport.files import IcaoApplet
from cardwire.sim.applets.epassport.lds import Td3Mrz
from cardwire.sim.applets.pace import (
    PaceChannel,
    PaceResponder,
    chip_pace_channel,
)
from cardwire.sim.config_loader import check, export
from cardwire.sim.fs import ElementaryFile
from cardwire.sim.pin import tries_left_sw
from cardwire.sm.pace import (
    INS_GENERAL_AUTHENTICATE,
    INS_MSE,
    PaceOutcome,
    PacePassword,
    PasswordType,
)
from cardwire.sw import SW
from cardwire.tlv import tlv

EID_AID = bytes.fromhex("E80704007F00070302")  # BSI TR-03110-4 2.2.1
DEFAULT_PIN = "654321"  # docs/simulator.md, defaults table (a 6-digit eID PIN)
DEFAULT_PUK = "1234567890"  # docs/simulator.md, defaults table (a 10-digit eID PUK)
PIN_MAX_TRIES = 3  # BSI TR-03110-2: the PIN's retry counter starts at 3
PIN_SUSPENDED = 1  # ... is suspended at 1 (after two wrong tries)
INS_RESET_RETRY_COUNTER = 0x2C  # ISO/IEC 7816-4:2020 11.5.10
RRC_NEW_PIN = 0x02  # P1 02: new reference data in the data field, counter reset
RRC_RESET_ONLY = 0x03  # P1 03: no data, counter reset
PIN_REFERENCE = 0x03  # P2: the PIN, by its PACE password reference (9303-11 4.4.4.1)


def _utf8_string(value: str) -> bytes:
    return tlv(0x0C, value.encode("utf-8"))  # ASN.1 UTF8String, as TR-03110-4 data groups


def _default_files() -> tuple[LdsFileConfig, ...]:
    def group(fid: int, label: str, content: bytes) -> LdsFileConfig:
        under_pace = {"read": "sm", "update": "never"}
        return LdsFileConfig(
            fid=fid,
            sfi=fid & 0xFF,
            label=label,
            content={"hex": to_hex(content)},
            access=under_pace,
        )

    return (
        card_access_entry(),
        group(0x0101, "DG1 document type (synthetic)", tlv(0x61, tlv(0x13, b"ID"))),
        group(0x0104, "DG4 given names (synthetic)", tlv(0x64, _utf8_string("ERIKA"))),
        group(0x0105, "DG5 family names (synthetic)", tlv(0x65, _utf8_string("MUSTERMANN"))),
    )


@dataclass(frozen=True, kw_only=True)
class EidConfig:
    """The eID applet's profile section, configuration and saved state (docs/simulator.md)."""

    aid: bytes = EID_AID
    multiselectable: bool = True
    pace: PaceSettings = field(default_factory=PaceSettings)
    pin: str = field(default=DEFAULT_PIN, repr=False)
    pin_tries_left: int = field(default=PIN_MAX_TRIES, metadata={"range": (0, PIN_MAX_TRIES)})
    puk: str = field(default=DEFAULT_PUK, repr=False)
    files: tuple[LdsFileConfig, ...] = field(default_factory=_default_files)

    def __post_init__(self) -> None:
        check(self.pin.isdigit(), "pin", f"expected digits as text (e.g. {DEFAULT_PIN!r})")
        check(self.puk.isdigit(), "puk", f"expected digits as text (e.g. {DEFAULT_PUK!r})")


def default_config() -> dict[str, Any]:
    """The eID applet's section of the default profile (docs/simulator.md)."""
    return {"type": "eid", **export(EidConfig())}


@dataclass(eq=False)
class EidChannel:
    """What the eID applet keeps per logical channel: the current EF and PACE."""

    current_ef: ElementaryFile | None = None
    pace: PaceChannel = field(default_factory=PaceChannel)


class EidApplet(IcaoApplet[EidChannel], ConfiguredApplet):
    """The eID-style application (see the module docstring for its rules). It holds a PACE
    responder whose password policy it is (retry counter, suspension, blocking)."""

    config_type = EidConfig
    type_name = "eid"

    channel_type = EidChannel

    def __init__(self, config: EidConfig) -> None:
        files = LdsFiles.build(
            config.files,
            Td3Mrz(),
            config.pace.card_access,
            name=config.aid,
            label="eID application",
        )
        super().__init__(config.aid, config.multiselectable, files)
        self._pin = config.pin
        self._puk = config.puk
        self.pin_tries_left = config.pin_tries_left
        self.pace = PaceResponder(config.pace, self)

    def settings(self) -> EidConfig:
        return EidConfig(
            aid=self.aid,
            multiselectable=self.multiselectable,
            pace=self.pace.settings,
            pin=self._pin,
            pin_tries_left=self.pin_tries_left,
            puk=self._puk,
            files=self.lds.export(Td3Mrz(), self.pace.settings.card_access),
        )

    # --- the Applet contract (the rest is IcaoApplet's) --------------------------------------

    def application_command(
        self, ctx: ChannelContext, state: EidChannel, command: Command
    ) -> Response:
        if command.ins == INS_MSE:
            return self.pace.set_at(ctx, state.pace, command)
        if command.ins == INS_GENERAL_AUTHENTICATE:
            return self.pace.general_authenticate(ctx, state.pace, command)
        if command.ins == INS_RESET_RETRY_COUNTER:
            return self._reset_retry_counter(ctx, state, command)
        raise CardStatus(SW.INS_NOT_SUPPORTED)  # no BAC: an eID application, not an ePassport

    # --- the PACE password policy (cardwire.sim.applets.pace.PasswordPolicy) ------------------

    def pace_passwords(self) -> dict[PasswordType, PacePassword]:
        return {
            PasswordType.CAN: PacePassword.from_text(PasswordType.CAN, self.pace.settings.can),
            PasswordType.PIN: PacePassword.from_text(PasswordType.PIN, self._pin),
            PasswordType.PUK: PacePassword.from_text(PasswordType.PUK, self._puk),
        }

    def password_status(
        self, ctx: ChannelContext, channel: PaceChannel, kind: PasswordType
    ) -> tuple[int, bool]:
        if kind is not PasswordType.PIN:
            return SW.SUCCESS, True
        tries = self.pin_tries_left
        if tries == PIN_MAX_TRIES:
            return SW.SUCCESS, True
        # TR-03110-3 B.1: 63Cx warns with the counter; TR-03110-2: suspended at 1 unless a
        # PACE with the CAN protects this very command (resumed), blocked at 0.
        if tries > PIN_SUSPENDED:
            return tries_left_sw(tries), True
        if tries == PIN_SUSPENDED:
            resumed = channel.established_with(ctx, (PasswordType.CAN,))
            return tries_left_sw(tries), resumed
        return tries_left_sw(0), False

    def before_token_check(self, ctx: ChannelContext, kind: PasswordType) -> None:
        if kind is PasswordType.PIN:
            # Decrement and make durable before the comparison (tearing defence, sim/pin.py).
            self.pin_tries_left -= 1
            ctx.card.commit()

    def after_pace(
        self, ctx: ChannelContext, kind: PasswordType, outcome: PaceOutcome, sw: int
    ) -> int:
        if kind is not PasswordType.PIN:
            return sw
        if outcome is PaceOutcome.ESTABLISHED:
            self.pin_tries_left = PIN_MAX_TRIES  # TR-03110-2: a right PIN resets the counter
        elif outcome is PaceOutcome.AUTHENTICATION_FAILED:
            return tries_left_sw(self.pin_tries_left)  # 63Cx: x tries left
        else:
            self.pin_tries_left += 1  # malformed step 4: nothing was compared
        ctx.card.commit()
        return sw

    # --- RESET RETRY COUNTER ----------------------------------------------------------------

    def _reset_retry_counter(
        self, ctx: ChannelContext, state: EidChannel, command: Command
    ) -> Response:
        if command.p1 not in (RRC_NEW_PIN, RRC_RESET_ONLY):
            raise CardStatus(SW.INCORRECT_P1_P2)
        if command.p2 != PIN_REFERENCE:
            raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
        allowed = (
            (PasswordType.PUK,)
            if command.p1 == RRC_RESET_ONLY
            else (
                PasswordType.PIN,
                PasswordType.PUK,
            )
        )
        # PACE run in this application or at the MF level before it was selected (9303-11 4.2).
        chip = chip_pace_channel(ctx)
        if not (state.pace.established_with(ctx, allowed) or chip.established_with(ctx, allowed)):
            raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
        if command.p1 == RRC_RESET_ONLY:
            if command.data:
                raise CardStatus(SW.WRONG_LENGTH)
        else:
            new_pin = command.data
            if not 5 <= len(new_pin) <= 6 or not new_pin.isdigit():
                raise CardStatus(SW.INCORRECT_DATA)  # TR-03110-2: a 6-digit (5: transport) PIN
            self._pin = new_pin.decode("ascii")
        self.pin_tries_left = PIN_MAX_TRIES
        ctx.card.commit()
        return Response()


__all__ = [
    "DEFAULT_PIN",
    "DEFAULT_PUK",
    "EID_AID",
    "PIN_MAX_TRIES",
    "EidApplet",
    "default_config",
]
