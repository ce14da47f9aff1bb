"""SCP03 derivations with the SP 800-108 KDF: session keys, pseudo-random card challenge,
card and host cryptograms (GP Amendment D 6.2.1, 6.2.2)."""

from __future__ import annotations

from cardwire.crypto.kdf_sp800108 import scp03_kdf
from cardwire.sm.scp03.constants import SEQUENCE_COUNTER_LENGTH
from cardwire.sm.scp03.keys import SessionKeys, StaticKeys
from cardwire.sm.scp03_levels import Derivation, Mode


def derive_session_keys(keys: StaticKeys, context: bytes) -> SessionKeys:
    """GP Amendment D 6.2.1: each session key is KDF(static key, constant, L = key bits,
    context = host challenge || card challenge)."""
    return SessionKeys(
        enc=scp03_kdf(keys.enc, Derivation.S_ENC, context, len(keys.enc) * 8),
        mac=scp03_kdf(keys.mac, Derivation.S_MAC, context, len(keys.mac) * 8),
        rmac=scp03_kdf(keys.mac, Derivation.S_RMAC, context, len(keys.mac) * 8),
    )


def pseudo_random_challenge(
    keys: StaticKeys, sequence_counter: int, aid: bytes, mode: Mode
) -> bytes:
    """GP Amendment D 6.2.2.1: card challenge = KDF(K-ENC, 02, L, sequence counter || AID)."""
    context = sequence_counter.to_bytes(SEQUENCE_COUNTER_LENGTH, "big") + aid
    return scp03_kdf(keys.enc, Derivation.CARD_CHALLENGE, context, mode * 8)


def derive_cryptogram(s_mac: bytes, constant: Derivation, context: bytes, mode: Mode) -> bytes:
    # GP Amendment D 6.2.2.2 / 6.2.2.3: cryptograms use S-MAC, L = 64 (S8) or 128 (S16).
    return scp03_kdf(s_mac, constant, context, mode * 8)
