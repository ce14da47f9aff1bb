"""The Keycard applet 4.x LEE commands: LOAD KEY P1 04 (a LEE seed) and EXPORT LEE (C3).

Source: the applet's public Java sources, keycard-tech/status-keycard at a61616a,
``KeycardApplet.java`` (loadKey/loadSeed with SEED_LEE, exportLee); the derivation is
cardwire.crypto.lee. The PyPI SDK 0.4.0 sends the same commands (``load_key.py``,
``export_lee.py``) but expects another answer; docs/keycard.md, "LEE", says how they differ.

- LOAD KEY P1 04: data = a 16..64-byte seed (else 6A80); the card keeps the signing master and
  the LEE master, is in LEE mode (SELECT status bit 20) and answers the key UID. Other loads,
  GENERATE KEY, REMOVE KEY and FACTORY RESET leave LEE mode.
- EXPORT LEE (C3): PIN verified and LEE mode, else 6985; P1/P2 unchecked; data = a path from
  the master (4-byte components, at most 10, else 6A80); the answer is
  A1 { 83 NSK (32), 84 VSK (64) }.
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.crypto import lee
from cardwire.crypto.bip32 import SOURCE_MASTER
from cardwire.errors import CardwireError
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.keycard.settings import TAG_KEY_PAIR_TEMPLATE
from cardwire.sim.applets.keycard.state import KeycardState
from cardwire.sw import SW
from cardwire.tlv import tlv

INS_EXPORT_LEE = 0xC3  # KeycardApplet.java INS_EXPORT_LEE
TAG_NSK, TAG_VSK = 0x83, 0x84  # KeycardApplet.java TLV_LEE_NSK, TLV_LEE_VSK


def load_lee_seed(applet: KeycardState, ctx: ChannelContext, seed: bytes) -> Response:
    """LOAD KEY P1 04 (the PIN is checked by the caller, keys.load_key)."""
    try:
        signing, secret = lee.masters(seed)
    except CardwireError:  # KeycardApplet.loadSeed: BIP32_MIN/MAX_SEED_SIZE, SW_WRONG_DATA
        raise CardStatus(SW.INCORRECT_DATA) from None
    applet.set_master(signing, secret)
    ctx.card.commit()
    return Response(applet.key_uid)


def export_lee(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_pin(ctx)
    if applet.lee is None:  # KeycardApplet.exportLee: !masterSsk.isInitialized()
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    path = applet.resolve_path(SOURCE_MASTER, command.data)  # 6A80 for a bad path
    try:
        keys = lee.export(applet.lee, path)
    except CardwireError:  # exportLee: a zero NSK answers SW_DATA_INVALID
        raise CardStatus(SW.REFERENCE_DATA_NOT_USABLE) from None  # 6984, ISO7816.SW_DATA_INVALID
    return Response(tlv(TAG_KEY_PAIR_TEMPLATE, tlv(TAG_NSK, keys.nsk) + tlv(TAG_VSK, keys.vsk)))
