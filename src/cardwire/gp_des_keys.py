"""PUT KEY with two-key 3DES key sets, as an SCP02 session sends them, host and card side.

GlobalPlatform Card Specification v2.3.1: the key type (11.8.2.3 table 11-69: 80 = DES), the
key check value (B.6), and the key transport of SCP02 (E.4.7: the key is 3DES-ECB encrypted
with the DEK session key of E.4.1, constant 0181). The command shape (P1, P2, the data field of
11.8.2.3) is :mod:`cardwire.gp`'s, shared with AES key sets. GlobalPlatformPro
(``GPSession.encodeKey``) and osmocom pySim (``SCP.encrypt_key``, ``compute_kcv_des``) build
the same blocks: type 80, the 16 encrypted bytes (whole DES blocks, so no length byte: table
11-71), a 3-byte KCV.
"""

from __future__ import annotations

from cardwire.apdu import Command
from cardwire.crypto.block import DES_BLOCK, TripleDes
from cardwire.errors import DecodeError
from cardwire.gp import KCV_LENGTH, KeyBlock, PutKeyData, check_put_key_answer, put_key_command
from cardwire.sm.scp02 import StaticKeys

KEY_TYPE_DES = 0x80  # GPC 11.8.2.3 table 11-69: DES, mode (ECB/CBC) implicitly known
_KCV_PLAINTEXT = bytes(DES_BLOCK)


def des_key_check_value(key: bytes) -> bytes:
    """GPC B.6: a DES key's check value is 8 bytes 00 encrypted with the key (3DES-ECB), the 3
    leftmost bytes kept."""
    return TripleDes(key).encrypt_block(_KCV_PLAINTEXT)[:KCV_LENGTH]


def des_key_block(key: bytes, session_dek: bytes) -> KeyBlock:
    """One 3DES key for PUT KEY: encrypted 3DES-ECB under the DEK session key (GPC E.4.7)."""
    return KeyBlock(
        KEY_TYPE_DES, None, TripleDes(session_dek).encrypt_block(key), des_key_check_value(key)
    )


def put_des_key_data(new_keys: StaticKeys, session_dek: bytes) -> PutKeyData:
    """ENC, MAC and DEK of ``new_keys`` as PUT KEY key blocks (GPC 11.8.2.3)."""
    blocks = (new_keys.enc, new_keys.mac, new_keys.dek)
    return PutKeyData(new_keys.kvn, tuple(des_key_block(k, session_dek) for k in blocks))


def put_des_keys(
    new_keys: StaticKeys, session_dek: bytes, *, replace_kvn: int | None = None
) -> Command:
    """PUT KEY of a 3DES key set in an SCP02 session (``session_dek``: the session's
    ``session_dek``); P1 = key version to replace, 00 adds a set (GPC 11.8.2.1)."""
    return put_key_command(put_des_key_data(new_keys, session_dek), replace_kvn)


def check_put_des_keys_answer(data: bytes, new_keys: StaticKeys) -> None:
    """GPC 11.8.3.1: key version and the 3DES KCV of each key, as sent."""
    check_put_key_answer(data, new_keys, des_key_check_value)


def decrypt_des_key(block: KeyBlock, session_dek: bytes) -> bytes:
    """Card side: the clear 3DES key of ``block`` (GPC E.4.7); DecodeError when the block is
    not whole DES blocks or its stated length exceeds them (table 11-70)."""
    if not block.encrypted or len(block.encrypted) % DES_BLOCK:
        raise DecodeError("encrypted 3DES key is not whole DES blocks")
    length = len(block.encrypted) if block.key_length is None else block.key_length
    if length > len(block.encrypted):
        raise DecodeError("key length exceeds the encrypted block")
    return TripleDes(session_dek).decrypt_block(block.encrypted)[:length]


__all__ = [
    "KEY_TYPE_DES",
    "check_put_des_keys_answer",
    "decrypt_des_key",
    "des_key_block",
    "des_key_check_value",
    "put_des_key_data",
    "put_des_keys",
]
