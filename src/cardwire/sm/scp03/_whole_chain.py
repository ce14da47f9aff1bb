"""Chained commands protected whole (the card side's check; used by ``cardwire.sim.os``).

cardwire's host splits a long command first and protects each piece (ISO/IEC 7816-4:2020 5.3.3
with clause 10). yubikit protects the whole command under SCP03 / SCP11 (its C-MAC over the
header with the extended Lc of the whole data, ``ScpProcessor.send_apdu``) and then splits the
protected data into a chain, which YubiKeys take. A card telling the two apart looks at the first
piece: it carries GP secure messaging and 255 data bytes (a full short APDU, as yubikit splits),
and under per-piece protection its own C-MAC verifies, under yubikit's not (it has no C-MAC of
its own). The check changes no session state.
"""

from __future__ import annotations

import hmac

from cardwire.apdu import Command
from cardwire.sm.scp03._channel import Scp03Channel
from cardwire.sm.scp03._params import carries_gp_sm, cla_in_mac, encoded_lc
from cardwire.sm.scp03._views import GpCardSession

# yubikit's ChainedApduProcessor sends the protected data in pieces of 255 bytes (its
# SHORT_APDU_MAX_CHUNK): a chain protected whole starts with a piece of exactly that size.
WHOLE_CHAIN_PIECE = 255


def protected_whole(session: object, piece: Command) -> bool:
    """True when ``piece`` (a chained command under a card session over an SCP03 channel: SCP03
    or SCP11) does not carry its own valid C-MAC, so the chain is protected as a whole; False
    for any other session."""
    if not isinstance(session, GpCardSession) or not carries_gp_sm(piece.cla):
        return False  # a plain piece is never held: the OS refuses it (6987)
    if piece.nc != WHOLE_CHAIN_PIECE:
        return False  # yubikit's pieces are full short APDUs; anything else is unwrapped alone
    channel = session._channel
    if not isinstance(channel, Scp03Channel) or not channel.active:
        return False
    n = channel.mac_length
    if piece.nc < n:
        return True
    ciphers = channel.ensure_active()
    header = bytes((cla_in_mac(piece.cla), piece.ins, piece.p1, piece.p2))
    lc = encoded_lc(piece.nc, piece.is_extended)
    # GP Amendment D 6.2.4: C-MAC over the chaining value, header, Lc and data (not kept here).
    full = ciphers.mac.mac(b"".join((channel._chaining, header, lc, piece.data[:-n])))
    return not hmac.compare_digest(full[:n], piece.data[-n:])


__all__ = ["protected_whole"]
