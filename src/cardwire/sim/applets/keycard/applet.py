"""The simulated Keycard applet itself: the SELECT answer and the dispatch of commands to the
modules that implement them (channel, pin, keys, sign, data) by INS (Keycard docs,
keycard.tech/docs/apdu); its state and the rules the commands share are
:class:`cardwire.sim.applets.keycard.state.KeycardState`."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from cardwire.apdu import Command, Response
from cardwire.sim.applet import CardStatus, ChannelContext, ConfiguredApplet
from cardwire.sim.applets.keycard import (
    channel,
    channel_v2,
    commands_4x,
    data,
    keys,
    lee,
    pin,
    sign,
)
from cardwire.sim.applets.keycard.settings import (
    INS_CHANGE_PIN,
    INS_DERIVE_KEY,
    INS_EXPORT_KEY,
    INS_FACTORY_RESET,
    INS_GENERATE_KEY,
    INS_GENERATE_MNEMONIC,
    INS_GET_DATA,
    INS_GET_STATUS,
    INS_IDENTIFY,
    INS_INIT,
    INS_LOAD_KEY,
    INS_REMOVE_KEY,
    INS_SET_PINLESS_PATH,
    INS_SIGN,
    INS_STORE_DATA,
    INS_UNBLOCK_PIN,
    INS_VERIFY_PIN,
    KeycardConfig,
)
from cardwire.sim.applets.keycard.state import ChannelState, KeycardState
from cardwire.sm.keycard import (
    CLA_KEYCARD,
    INS_MUTUALLY_AUTHENTICATE,
    INS_OPEN_SECURE_CHANNEL,
    INS_PAIR,
    INS_UNPAIR,
)
from cardwire.sm.keycard.v2 import (
    INS_SECURED_APDU,
)
from cardwire.sw import SW

Handler = Callable[[KeycardState, ChannelContext, Command], Response]


class KeycardApplet(KeycardState, ConfiguredApplet):
    """The Keycard applet (see the module docstring). Not multiselectable, like the original."""

    config_type = KeycardConfig
    type_name = "keycard"
    multiselectable = False
    answers_without_le = True  # Java Card over T=1: case 3 commands get their answer

    def new_channel_state(self) -> ChannelState:
        return ChannelState()

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        return Response(self.application_info(ctx))

    def deselect(self, ctx: ChannelContext) -> None:
        ctx.state = ChannelState()

    # --- dispatch --------------------------------------------------------------------------

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        if command.cla != CLA_KEYCARD:
            raise CardStatus(SW.CLA_NOT_SUPPORTED)
        handlers = self._handlers_v2 if self.v2 else self._handlers
        handler = handlers.get(command.ins)
        if handler is None:
            raise CardStatus(SW.INS_NOT_SUPPORTED)
        if command.ins != INS_PAIR:
            # Keycard docs, PAIR: the two steps follow each other
            self.channel_state(ctx).pair_challenge = None
        return handler(self, ctx, command)

    _handlers: ClassVar[dict[int, Handler]] = {
        INS_PAIR: channel.pair,
        INS_OPEN_SECURE_CHANNEL: channel.open_secure_channel,
        INS_MUTUALLY_AUTHENTICATE: channel.mutually_authenticate,
        INS_UNPAIR: channel.unpair,
        INS_GET_STATUS: pin.get_status,
        INS_VERIFY_PIN: pin.verify_pin,
        INS_CHANGE_PIN: pin.change_pin,
        INS_UNBLOCK_PIN: pin.unblock_pin,
        INS_LOAD_KEY: keys.load_key,
        INS_DERIVE_KEY: keys.derive_key,
        INS_GENERATE_KEY: keys.generate_key,
        INS_REMOVE_KEY: keys.remove_key,
        INS_GENERATE_MNEMONIC: keys.generate_mnemonic,
        INS_EXPORT_KEY: keys.export_key,
        INS_SIGN: sign.sign,
        INS_SET_PINLESS_PATH: sign.set_pinless_path,
        INS_STORE_DATA: data.store_data,
        INS_GET_DATA: data.get_data,
        INS_FACTORY_RESET: data.factory_reset,
        INS_INIT: data.init,
        INS_IDENTIFY: data.identify,
    }
    # Applet 4.x: no pairing (PAIR, UNPAIR, MUTUALLY AUTHENTICATE answer 6D00), the V2
    # handshake, INIT inside the channel.
    _handlers_v2: ClassVar[dict[int, Handler]] = {
        **{
            ins: handler
            for ins, handler in _handlers.items()
            if ins not in (INS_PAIR, INS_UNPAIR, INS_MUTUALLY_AUTHENTICATE)
        },
        INS_OPEN_SECURE_CHANNEL: channel_v2.open_secure_channel,
        INS_INIT: channel_v2.init,
        INS_SECURED_APDU: channel_v2.secured_apdu_without_channel,
        INS_SIGN: commands_4x.sign,
        commands_4x.INS_GET_CHALLENGE: commands_4x.get_challenge,
        commands_4x.INS_ECDH: commands_4x.ecdh,
        commands_4x.INS_EXPORT_BIP85: commands_4x.export_bip85,
        lee.INS_EXPORT_LEE: lee.export_lee,
    }
