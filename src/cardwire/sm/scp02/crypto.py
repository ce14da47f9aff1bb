"""SCP02 cryptography on two-key 3DES: session keys, the full 3DES MAC of the cryptograms, the
retail MAC with an ICV, and the pseudo-random card challenge (GP Card Spec v2.3.1 E.4, B.1.2)."""

from __future__ import annotations

from cardwire.crypto.block import DES_BLOCK, TripleDes
from cardwire.crypto.padding import pad
from cardwire.crypto.retail_mac import RetailMacKey
from cardwire.sm.scp02.constants import (
    CARD_CHALLENGE_LENGTH,
    CONSTANT_C_MAC,
    CONSTANT_DEK,
    CONSTANT_ENC,
    CONSTANT_R_MAC,
    SEQUENCE_COUNTER_LENGTH,
    ZERO_ICV,
)
from cardwire.sm.scp02.keys import SessionKeys, StaticKeys


def _derive(key: bytes, constant: bytes, sequence_counter: int) -> bytes:
    # GP Card Spec E.4.1: 3DES-CBC, ICV zero, over constant || sequence counter || 12 x 00.
    block = constant + sequence_counter.to_bytes(SEQUENCE_COUNTER_LENGTH, "big") + bytes(12)
    return TripleDes(key).encrypt_cbc(ZERO_ICV, block)


def derive_session_keys(keys: StaticKeys, sequence_counter: int) -> SessionKeys:
    """GP Card Spec E.4.1: S-ENC from K-ENC, C-MAC and R-MAC from K-MAC, DEK from K-DEK."""
    return SessionKeys(
        enc=_derive(keys.enc, CONSTANT_ENC, sequence_counter),
        c_mac=_derive(keys.mac, CONSTANT_C_MAC, sequence_counter),
        r_mac=_derive(keys.mac, CONSTANT_R_MAC, sequence_counter),
        dek=_derive(keys.dek, CONSTANT_DEK, sequence_counter),
    )


def full_3des_mac(key: bytes, data: bytes) -> bytes:
    """GP Card Spec B.1.2.1: 3DES-CBC MAC, ICV zero, ISO 9797-1 method 2 padding."""
    return TripleDes(key).encrypt_cbc(ZERO_ICV, pad(data, DES_BLOCK))[-DES_BLOCK:]


def card_cryptogram(s_enc: bytes, host: bytes, sequence: bytes, card: bytes) -> bytes:
    # GP Card Spec E.4.2.1: over host challenge || sequence counter || card challenge.
    return full_3des_mac(s_enc, host + sequence + card)


def host_cryptogram(s_enc: bytes, host: bytes, sequence: bytes, card: bytes) -> bytes:
    # GP Card Spec E.4.2.2: over sequence counter || card challenge || host challenge.
    return full_3des_mac(s_enc, sequence + card + host)


def retail_mac_with_icv(key: RetailMacKey, icv: bytes, data: bytes) -> bytes:
    """GP Card Spec B.1.2.2: single DES plus final 3DES over ``data`` (padded here) chained
    from ``icv``. CBC from an ICV equals CBC from zero with the ICV XORed into block one."""
    padded = pad(data, DES_BLOCK)
    first = int.from_bytes(padded[:DES_BLOCK], "big") ^ int.from_bytes(icv, "big")
    return key.mac(first.to_bytes(DES_BLOCK, "big") + padded[DES_BLOCK:])


def pseudo_random_challenge(c_mac: bytes, aid: bytes) -> bytes:
    """GP Card Spec E.4.2.1 (i b7 = 1): the card challenge is the leftmost 6 bytes of the MAC
    (B.1.2.2, ICV zero) over the Security Domain's AID with the C-MAC session key of the
    sequence counter the answer carries (as asterix's SCP02.deriveKeys computes it)."""
    return retail_mac_with_icv(RetailMacKey(c_mac), ZERO_ICV, aid)[:CARD_CHALLENGE_LENGTH]


def encrypt_sensitive(dek: bytes, data: bytes) -> bytes:
    """GP Card Spec E.4.7: sensitive data (PUT KEY key values) is 3DES-ECB encrypted with the
    DEK session key; ``data`` is whole 8-byte blocks."""
    return TripleDes(dek).encrypt_block(data)
