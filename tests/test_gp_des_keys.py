"""PUT KEY with 3DES keys (cardwire.gp_des_keys): GlobalPlatformPro's known answers, the block
layout, and the card-side decryption.

Vectors: GlobalPlatformPro ``library/src/test/java/pro/javacard/gp/test/TestPlaintextKeys.java``:
``testKeyEncryption_SCP02`` (the key 40..4F encrypted under the DEK session key of the static
keys 40..4F and sequence counter 0000), ``testSessionKeys_SCP02`` (that DEK session key's KCV
85272E) and ``testSessionKeys_SCP01`` (the KCV 8BAF47 of the key 40..4F).
"""

from __future__ import annotations

import pytest

from cardwire.errors import CryptogramError, DecodeError, UsageError
from cardwire.gp import KeyBlock, PutKeyData
from cardwire.gp_des_keys import (
    KEY_TYPE_DES,
    check_put_des_keys_answer,
    decrypt_des_key,
    des_key_block,
    des_key_check_value,
    put_des_keys,
)
from cardwire.sm.scp02 import StaticKeys, derive_session_keys

DEFAULT = StaticKeys.default(0x20)
SESSION_DEK = derive_session_keys(DEFAULT, 0).dek


def test_globalplatformpro_key_encryption_scp02() -> None:
    assert des_key_check_value(SESSION_DEK).hex().upper() == "85272E"
    block = des_key_block(DEFAULT.enc, SESSION_DEK)
    assert block.encrypted.hex().upper() == "EFBEE6C6D99D7B70BDE9D7E927F020AF"
    assert block.check_value.hex().upper() == "8BAF47"
    assert block.key_type == KEY_TYPE_DES and block.key_length is None


def test_put_key_command_layout() -> None:
    new = StaticKeys(bytes(range(16)), bytes(range(1, 17)), bytes(range(2, 18)), 0x21)
    command = put_des_keys(new, SESSION_DEK, replace_kvn=0x20)
    assert (command.cla, command.ins, command.p1, command.p2) == (0x80, 0xD8, 0x20, 0x81)
    # GPC 11.8.2.3: kvn, then per key: 80 10 <16 encrypted bytes> 03 <KCV> (as
    # GlobalPlatformPro GPSession.encodeKey writes a DES3 key).
    assert len(command.data) == 1 + 3 * (2 + 16 + 1 + 3)
    assert command.data[:3] == bytes((0x21, 0x80, 0x10)) and command.data[19] == 0x03
    decoded = PutKeyData.decode(command.data)
    keys = [decrypt_des_key(block, SESSION_DEK) for block in decoded.blocks]
    assert keys == [new.enc, new.mac, new.dek]
    assert put_des_keys(new, SESSION_DEK).p1 == 0x00
    with pytest.raises(UsageError):
        put_des_keys(StaticKeys.default(0x80), SESSION_DEK)


def test_answer_check() -> None:
    new = StaticKeys.default(0x21)
    good = bytes((0x21,)) + des_key_check_value(new.enc) * 3
    check_put_des_keys_answer(good, new)
    with pytest.raises(CryptogramError):
        check_put_des_keys_answer(good[:-1] + b"\x00", new)
    with pytest.raises(DecodeError):
        check_put_des_keys_answer(good[:-1], new)


def test_card_side_accepts_the_length_byte_form_and_refuses_partial_blocks() -> None:
    block = des_key_block(DEFAULT.mac, SESSION_DEK)
    with_length = KeyBlock(KEY_TYPE_DES, 16, block.encrypted, block.check_value)
    assert decrypt_des_key(with_length, SESSION_DEK) == DEFAULT.mac
    for bad in (
        KeyBlock(KEY_TYPE_DES, None, block.encrypted[:12], b""),
        KeyBlock(KEY_TYPE_DES, None, b"", b""),
        KeyBlock(KEY_TYPE_DES, 24, block.encrypted, b""),
    ):
        with pytest.raises(DecodeError):
            decrypt_des_key(bad, SESSION_DEK)
