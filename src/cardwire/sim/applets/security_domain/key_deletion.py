"""DELETE [key] on the Security Domain (GPC 11.2.2.3.2): which key sets a D0/D2 data field
names, and the project's rules for the key set in use and for the last one (docs/scp03.md).

The Security Domain holds SCP03 and SCP02 key sets (ENC 01, MAC 02, DEK 03 under one key
version; the versions of the two protocols differ): a key set is deleted whole, by its version
(D2) and/or by one of its key identifiers (D0). The last SCP02 set may go (SCP03 remains). yubikit's
``delete_key`` sets P2 b1 when it deletes the last key; GP defines only P2 b8.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from cardwire.errors import DecodeError
from cardwire.gp import DELETE_LAST_KEY, DELETE_RELATED, KEY_IDS, delete_key_target
from cardwire.sim.applet import CardStatus
from cardwire.sm.scp03 import DEFAULT_KVN, StaticKeys
from cardwire.sw import SW


class KeySet(Protocol):
    @property
    def kvn(self) -> int: ...


K = TypeVar("K", bound=KeySet)


def is_key_deletion(data: bytes) -> bool:
    """GPC 11.2.2.3: a DELETE data field starting with D0 or D2 names keys, 4F card content."""
    return bool(data) and data[0] in (0xD0, 0xD2)


def key_sets_left(key_sets: Sequence[K], p2: int, data: bytes) -> list[K]:
    """The key sets (SCP03 or SCP02) DELETE [key] leaves, maybe none; ``CardStatus`` when the
    card refuses it or none of ``key_sets`` is named."""
    # GPC 11.2.2.2: P2 b8 (related objects) has no meaning for keys; b1 as yubikit sends it.
    if p2 & ~(DELETE_RELATED | DELETE_LAST_KEY):
        raise CardStatus(SW.INCORRECT_P1_P2)
    try:
        kid, kvn = delete_key_target(data)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None
    # GPC 11.2.3.2 table 11-21: 6A88, referenced data not found.
    if kid is not None and kid not in KEY_IDS:
        raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
    left = [keys for keys in key_sets if kvn is not None and keys.kvn != kvn]
    if len(left) == len(key_sets):
        raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
    return left


def names_key_set(key_sets: Sequence[KeySet], data: bytes) -> bool:
    """Whether a D2 of ``data`` names the version of one of ``key_sets``."""
    try:
        _, kvn = delete_key_target(data)
    except DecodeError:
        return False
    return any(keys.kvn == kvn for keys in key_sets)


def key_sets_after_deletion(key_sets: list[StaticKeys], p2: int, data: bytes) -> list[StaticKeys]:
    """The SCP03 key sets left after DELETE [key]; ``CardStatus`` when the card refuses it."""
    left = key_sets_left(key_sets, p2, data)
    if left:
        return left
    # The project's rule (docs/scp03.md): the last key set goes only when the host says so
    # (P2 b1, yubikit's delete_last); the Security Domain then holds its factory key set
    # (the default keys, KVN 30), as a YubiKey returns to its default SCP03 keys, so the card
    # is never left without a way to open a session.
    if not p2 & DELETE_LAST_KEY:
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    return [StaticKeys.default(DEFAULT_KVN)]
