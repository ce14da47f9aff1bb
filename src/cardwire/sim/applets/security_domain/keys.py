"""PUT KEY on the Security Domain (GPC 11.8): add or replace a key set, each key check value
verified. In an SCP03 (or SCP11) session the keys are AES, encrypted under the DEK of the
session's key set (GP Amendment D 7.2); in an SCP02 session they are two-key 3DES, encrypted
under the DEK session key (GPC E.4.7), and the set joins the SCP02 key sets. An SCP11 ECC key
(P2 = its KID) goes to ``scp11_keys``. DELETE [key] is in ``key_deletion``."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError, UsageError
from cardwire.gp import KEY_IDS, KEY_TYPE_AES, MAX_KVN, KeyBlock, PutKeyData, key_check_value
from cardwire.gp_des_keys import KEY_TYPE_DES, decrypt_des_key, des_key_check_value
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.security_domain.scp11_keys import OCE_KIDS, SD_KIDS
from cardwire.sim.applets.security_domain.settings import (
    MAX_KEY_SETS,
    SW_ALGORITHM_NOT_SUPPORTED,
    SW_INVALID_KEY_CHECK_VALUE,
)
from cardwire.sm.scp02 import Scp02CardSession
from cardwire.sm.scp02 import StaticKeys as Scp02Keys
from cardwire.sm.scp03 import StaticKeys
from cardwire.sw import SW

if TYPE_CHECKING:
    from cardwire.sim.applets.security_domain.applet import SdChannelState, SecurityDomainApplet

Keys = TypeVar("Keys", StaticKeys, Scp02Keys)


def put_key(
    sd: SecurityDomainApplet, ctx: ChannelContext, state: SdChannelState, command: Command
) -> Response:
    session = state.session
    if sd.scp11 is not None and command.p2 in SD_KIDS | OCE_KIDS and state.session_keys:
        # GPC 11.8.2.2: P2 b8 = 0, one key: an SCP11 ECC key (scp11_keys.py), under the DEK of
        # an SCP03 or SCP11 session.
        answer = sd.scp11.store.put_key(command, state.session_keys.dek)
        ctx.card.commit()
        return answer
    if isinstance(session, Scp02CardSession) and sd.scp02 is not None:
        dek = session.session_dek
        data = _put_key_data(command)
        keys = _clear_keys(
            data, KEY_TYPE_DES, lambda b: decrypt_des_key(b, dek), des_key_check_value
        )
        new_des = _key_set(Scp02Keys, keys, data.kvn)
        others = {k.kvn for k in sd.key_sets}
        _store(sd.scp02.key_sets, new_des, command.p1, others)
        kcv = des_key_check_value
    elif state.session_keys is not None:
        static_dek = state.session_keys.dek
        data = _put_key_data(command)
        keys = _clear_keys(data, KEY_TYPE_AES, lambda b: b.decrypt(static_dek), key_check_value)
        new_aes = _key_set(StaticKeys, keys, data.kvn)
        others = {k.kvn for k in sd.scp02.key_sets} if sd.scp02 is not None else set()
        _store(sd.key_sets, new_aes, command.p1, others)
        kcv = key_check_value
    else:
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    ctx.card.commit()
    # GPC 11.8.3.1: the answer is the key version number followed by each KCV.
    return Response(bytes((data.kvn,)) + b"".join(kcv(k) for k in keys))


def _put_key_data(command: Command) -> PutKeyData:
    # GPC 11.8.2.2: P2 = 81: several keys, starting with key identifier 01 (ENC, MAC, DEK).
    if command.p2 != 0x80 | KEY_IDS[0]:
        raise CardStatus(SW.INCORRECT_P1_P2)
    try:
        data = PutKeyData.decode(command.data)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None
    if not 1 <= data.kvn <= MAX_KVN or len(data.blocks) != len(KEY_IDS):
        raise CardStatus(SW.INCORRECT_DATA)
    return data


def _clear_keys(
    data: PutKeyData,
    algorithm: int,
    decrypt: Callable[[KeyBlock], bytes],
    kcv: Callable[[bytes], bytes],
) -> list[bytes]:
    """The clear keys of ``data``, all of key type ``algorithm`` (9484 otherwise, GPC table
    11-76)."""
    if {block.key_type for block in data.blocks} != {algorithm}:
        raise CardStatus(SW_ALGORITHM_NOT_SUPPORTED)
    try:
        keys = [decrypt(block) for block in data.blocks]
    except (DecodeError, UsageError):
        raise CardStatus(SW.INCORRECT_DATA) from None
    # GPC 11.8.2.3: each key check value is verified against the decrypted key.
    for block, key in zip(data.blocks, keys, strict=True):
        expected = kcv(key)[: len(block.check_value)]
        if not hmac.compare_digest(block.check_value, expected):
            raise CardStatus(SW_INVALID_KEY_CHECK_VALUE)
    return keys


def _key_set(kind: type[Keys], keys: list[bytes], kvn: int) -> Keys:
    try:
        return kind(keys[0], keys[1], keys[2], kvn)
    except UsageError:  # a key of the wrong length for the protocol
        raise CardStatus(SW.INCORRECT_DATA) from None


def _store(key_sets: list[Keys], new: Keys, p1: int, other_kvns: set[int]) -> None:
    """Add (P1 = 00) or replace (P1 = its version) ``new`` in ``key_sets``; a key version names
    one key set of the Security Domain, so the other protocol's versions are taken too."""
    kvns = [k.kvn for k in key_sets]
    if p1 == 0x00:  # GPC 11.8.2.1: P1 = 00 adds a new key set
        if new.kvn in kvns or new.kvn in other_kvns:
            raise CardStatus(SW.INCORRECT_DATA)
        if len(key_sets) >= MAX_KEY_SETS:
            raise CardStatus(SW.NOT_ENOUGH_MEMORY)
        key_sets.append(new)
        return
    # P1 = the version of the key set to replace
    if p1 not in kvns:
        raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
    if new.kvn != p1 and (new.kvn in kvns or new.kvn in other_kvns):
        raise CardStatus(SW.INCORRECT_DATA)
    key_sets[kvns.index(p1)] = new
