"""The file-system applet itself: configuration, the card OS contract and the instruction table.

Card-wide state (the file tree, PIN values and counters, keys) lives in the applet and is
exported with :meth:`FileSystemApplet.export_state`; per-channel state lives in
:class:`~cardwire.sim.applets.filesystem.state.ChannelState`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from cardwire.apdu import Command, Response
from cardwire.errors import ConfigError
from cardwire.sim.applet import Applet, CardStatus, ChannelContext
from cardwire.sim.applets.filesystem import authentication, reference_data
from cardwire.sim.applets.filesystem.binary import erase_binary, read_binary, update_binary
from cardwire.sim.applets.filesystem.counter_sm import CounterSmSettings, start_session
from cardwire.sim.applets.filesystem.records import (
    append_record,
    erase_record,
    read_record,
    update_record,
)
from cardwire.sim.applets.filesystem.selection import select
from cardwire.sim.applets.filesystem.state import ChannelState
from cardwire.sim.applets.filesystem.symmetric_keys import (
    KeyConfig,
    SymmetricKey,
    keys_from_config,
    keys_to_config,
)
from cardwire.sim.applets.pace import CHIP_PACE_INS, PaceResponder, chip_pace_command
from cardwire.sim.config_loader import export, load, without_type
from cardwire.sim.file_commands import select_answer
from cardwire.sim.fs import DedicatedFile, build_tree, tree_to_config
from cardwire.sim.pin import PinConfig, ReferenceData, pins_from_config, pins_to_config
from cardwire.sw import SW

DEFAULT_AID = bytes.fromhex("F0636172647769726500")  # F0 "cardwire" 00
TYPE_NAME = "filesystem"

Handler = Callable[[ChannelContext, ChannelState, Command], Response]


def _empty_mf() -> dict[str, object]:
    return {"fid": "3F00", "files": []}


@dataclass(frozen=True, kw_only=True)
class FileSystemConfig:
    """The file-system applet's profile section (docs/simulator.md). ``mf`` is the file tree in
    its profile form (:func:`cardwire.sim.fs.build_tree` reads it,
    :func:`cardwire.sim.fs.tree_to_config` writes it)."""

    aid: bytes = DEFAULT_AID
    multiselectable: bool = True
    mf: object = field(default_factory=_empty_mf)
    pins: tuple[PinConfig, ...] = ()
    keys: tuple[KeyConfig, ...] = ()
    counter_sm: CounterSmSettings | None = field(default=None, metadata={"omit_default": True})


class FileSystemApplet(Applet):
    """An ISO/IEC 7816-4 card application with an MF/DF/EF tree, PINs and a key."""

    takes_chip_session = True  # the MF's own application (ICAO 9303-11 4.2)

    def __init__(
        self,
        aid: bytes,
        mf: DedicatedFile,
        pins: Mapping[int, ReferenceData],
        keys: Mapping[int, SymmetricKey],
        *,
        multiselectable: bool = True,
        counter_sm: CounterSmSettings | None = None,
    ) -> None:
        self.aid = aid
        self.mf = mf
        self.pins = dict(pins)
        self.keys = dict(keys)
        self.multiselectable = multiselectable
        self.counter_sm = counter_sm
        # PACE at the MF level (ICAO 9303-11 4.2), set by chip_pace.attach_chip_pace when the
        # card holds an ePassport or eID application.
        self.chip_pace: PaceResponder | None = None
        self._handlers: dict[int, Handler] = {
            0xA4: self._select,
            0xB0: read_binary,
            0xB1: read_binary,
            0xD6: update_binary,
            0xD7: update_binary,
            0x0E: erase_binary,
            0x0F: erase_binary,
            0xB2: read_record,
            0xDC: update_record,
            0xE2: append_record,
            0x0C: erase_record,
            0x20: self._verify,
            0x24: self._change_reference_data,
            0x2C: self._reset_retry_counter,
            0x84: self._get_challenge,
            0x88: self._internal_authenticate,
            0x82: self._external_authenticate,
        }

    # --- configuration ----------------------------------------------------------------------

    @classmethod
    def from_config(cls, section: Mapping[str, object]) -> Self:
        """Build the applet from its profile section (configuration merged with saved state)."""
        return cls.from_settings(load(FileSystemConfig, without_type(section)))

    @classmethod
    def from_settings(cls, config: FileSystemConfig) -> Self:
        if not isinstance(config.mf, Mapping):
            raise ConfigError("mf", "expected a mapping")
        mf = build_tree(config.mf)  # its errors name the file ("mf/5000/5001: ...")
        try:
            pins = pins_from_config(config.pins)
        except ConfigError as exc:
            raise exc.within("pins") from None
        try:
            keys = keys_from_config(config.keys)
        except ConfigError as exc:
            raise exc.within("keys") from None
        return cls(
            config.aid,
            mf,
            pins,
            keys,
            multiselectable=config.multiselectable,
            counter_sm=config.counter_sm,
        )

    def settings(self) -> FileSystemConfig:
        """The configuration that rebuilds this applet as it is now (files, PINs, counters)."""
        return FileSystemConfig(
            aid=self.aid,
            multiselectable=self.multiselectable,
            mf=tree_to_config(self.mf),
            pins=pins_to_config(self.pins),
            keys=keys_to_config(self.keys),
            counter_sm=self.counter_sm,
        )

    def export_state(self) -> dict[str, Any]:
        """The profile section with current file contents, PIN values and counters."""
        return {"type": TYPE_NAME, **export(self.settings())}

    # --- the Applet contract ----------------------------------------------------------------

    def new_channel_state(self) -> ChannelState:
        return ChannelState(current_df=self.mf)

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        """Selected by AID: the MF becomes the current DF; answer as SELECT P2 asks."""
        state = self._state(ctx)
        state.current_df, state.current_ef = self.mf, None
        return Response(select_answer(command.p2 & 0x0C, self.mf, self.aid, fmd_allowed=True))

    def deselect(self, ctx: ChannelContext) -> None:
        if isinstance(ctx.state, ChannelState):
            ctx.state.clear_security()

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        if command.cla & 0x80:
            raise CardStatus(SW.CLA_NOT_SUPPORTED)  # interindustry commands only
        if self.chip_pace is not None and command.ins in CHIP_PACE_INS:
            return chip_pace_command(self.chip_pace, ctx, command)
        handler = self._handlers.get(command.ins)
        if handler is None:
            raise CardStatus(SW.INS_NOT_SUPPORTED)
        return handler(ctx, self._state(ctx), command)

    def _state(self, ctx: ChannelContext) -> ChannelState:
        if not isinstance(ctx.state, ChannelState):
            ctx.state = self.new_channel_state()
        return ctx.state

    # --- the handlers that need the applet's MF, PINs or keys -------------------------------

    def _select(self, ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
        return select(self.mf, state, command)

    def _verify(self, ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
        return reference_data.verify(self.pins, ctx, state, command)

    def _change_reference_data(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        return reference_data.change_reference_data(self.pins, ctx, state, command)

    def _reset_retry_counter(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        return reference_data.reset_retry_counter(self.pins, ctx, command)

    def _get_challenge(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        # ISO 7816-4 10.2: GET CHALLENGE with Le = the counter width asks for the initial counter
        # value of the counter mode; other lengths are the authentication challenge.
        if self.counter_sm is not None and self.counter_sm.asks_initial_value(command):
            return start_session(self.counter_sm, ctx)
        return authentication.get_challenge(ctx, state, command)

    def _internal_authenticate(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        return authentication.internal_authenticate(self.keys, command)

    def _external_authenticate(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        return authentication.external_authenticate(self.keys, state, command)
