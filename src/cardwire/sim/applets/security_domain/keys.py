"""PUT KEY on the Security Domain (GPC 11.8, GP Amendment D 7.2): add or replace an SCP03 key
set, the keys encrypted under the DEK of the session's key set, each key check value verified;
an SCP11 ECC key (P2 = its KID) goes to ``scp11_keys``.
DELETE [key] is in ``key_deletion``."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError, UsageError
from cardwire.gp import KEY_IDS, KEY_TYPE_AES, MAX_KVN, PutKeyData, key_check_value
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.security_domain.scp11_keys import OCE_KIDS, SD_KIDS
from cardwire.sim.applets.security_domain.settings import (
    MAX_KEY_SETS,
    SW_ALGORITHM_NOT_SUPPORTED,
    SW_INVALID_KEY_CHECK_VALUE,
)
from cardwire.sm.scp03 import StaticKeys
from cardwire.sw import SW

if TYPE_CHECKING:
    from cardwire.sim.applets.security_domain.applet import SdChannelState, SecurityDomainApplet


def put_key(
    sd: SecurityDomainApplet, ctx: ChannelContext, state: SdChannelState, command: Command
) -> Response:
    if state.session_keys is None:  # PUT KEY over SCP02: not offered yet (docs/scp02.md)
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    if sd.scp11 is not None and command.p2 in SD_KIDS | OCE_KIDS:
        # GPC 11.8.2.2: P2 b8 = 0, one key: an SCP11 ECC key (scp11_keys.py).
        answer = sd.scp11.store.put_key(command, state.session_keys.dek)
        ctx.card.commit()
        return answer
    # GPC 11.8.2.2: P2 = 81: several keys, starting with key identifier 01 (ENC, MAC, DEK).
    if command.p2 != 0x80 | KEY_IDS[0]:
        raise CardStatus(SW.INCORRECT_P1_P2)
    try:
        data = PutKeyData.decode(command.data)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None
    if not 1 <= data.kvn <= MAX_KVN or len(data.blocks) != len(KEY_IDS):
        raise CardStatus(SW.INCORRECT_DATA)
    if any(block.key_type != KEY_TYPE_AES for block in data.blocks):
        raise CardStatus(SW_ALGORITHM_NOT_SUPPORTED)
    dek = state.session_keys.dek
    try:
        keys = [block.decrypt(dek) for block in data.blocks]
        new = StaticKeys(keys[0], keys[1], keys[2], data.kvn)
    except (DecodeError, UsageError):
        raise CardStatus(SW.INCORRECT_DATA) from None
    # GPC 11.8.2.3: each key check value is verified against the decrypted key.
    for block, key in zip(data.blocks, keys, strict=True):
        expected = key_check_value(key)[: len(block.check_value)]
        if not hmac.compare_digest(block.check_value, expected):
            raise CardStatus(SW_INVALID_KEY_CHECK_VALUE)
    kvns = [k.kvn for k in sd.key_sets]
    if command.p1 == 0x00:  # GPC 11.8.2.1: P1 = 00 adds a new key set
        if data.kvn in kvns:
            raise CardStatus(SW.INCORRECT_DATA)
        if len(sd.key_sets) >= MAX_KEY_SETS:
            raise CardStatus(SW.NOT_ENOUGH_MEMORY)
        sd.key_sets.append(new)
    else:  # P1 = the version of the key set to replace
        if command.p1 not in kvns:
            raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
        if data.kvn != command.p1 and data.kvn in kvns:
            raise CardStatus(SW.INCORRECT_DATA)
        sd.key_sets[kvns.index(command.p1)] = new
    ctx.card.commit()
    # GPC 11.8.3.1: the answer is the key version number followed by each KCV.
    return Response(bytes((data.kvn,)) + b"".join(key_check_value(k) for k in keys))
