"""The symmetric steps of PACE: nonce encryption, session keys and authentication tokens
(ICAO Doc 9303 Part 11, 4.4.3.1, 4.4.3.4, 9.7.1, 9.8)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cardwire.crypto.block import Aes, TripleDes
from cardwire.crypto.cmac import AesCmacKey
from cardwire.crypto.kdf_icao import KdfCounter, KeyType, kdf
from cardwire.crypto.padding import pad
from cardwire.crypto.retail_mac import RetailMacKey
from cardwire.errors import DecodeError
from cardwire.sm.iso7816 import AesSuite, IsoSmCard, IsoSmHost, SmMode, SmSuite, TdesSuite
from cardwire.sm.pace.constants import TOKEN_LENGTH
from cardwire.sm.selection import SessionScope


def _nonce_cipher(key_type: KeyType, k_pi: bytes) -> Aes | TripleDes:
    return TripleDes(k_pi) if key_type is KeyType.TDES else Aes(k_pi)


def encrypt_nonce(key_type: KeyType, k_pi: bytes, nonce: bytes) -> bytes:
    """z = E(K_pi, s), CBC with a zero IV (9303-11 4.4.3.1)."""
    cipher = _nonce_cipher(key_type, k_pi)
    return cipher.encrypt_cbc(bytes(cipher.block_size), nonce)


def decrypt_nonce(key_type: KeyType, k_pi: bytes, encrypted: bytes) -> bytes:
    """s = D(K_pi, z); :class:`DecodeError` when z is not whole blocks."""
    cipher = _nonce_cipher(key_type, k_pi)
    if not encrypted or len(encrypted) % cipher.block_size:
        raise DecodeError(
            f"the encrypted nonce must be whole {cipher.block_size}-byte blocks, "
            f"got {len(encrypted)} bytes"
        )
    return cipher.decrypt_cbc(bytes(cipher.block_size), encrypted)


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """KS_enc and KS_mac for the protocol's cipher (repr hides them)."""

    key_type: KeyType
    ks_enc: bytes = field(repr=False)
    ks_mac: bytes = field(repr=False)

    @classmethod
    def derive(cls, key_type: KeyType, shared_secret: bytes) -> SessionKeys:
        """9303-11 9.7.1: KS_enc = KDF(K, 1), KS_mac = KDF(K, 2)."""
        return cls(
            key_type,
            kdf(shared_secret, KdfCounter.ENC, key_type),
            kdf(shared_secret, KdfCounter.MAC, key_type),
        )

    def suite(self) -> SmSuite:
        if self.key_type is KeyType.TDES:
            return TdesSuite(self.ks_enc, self.ks_mac)
        return AesSuite(self.ks_enc, self.ks_mac)

    def host_session(self, mode: SmMode = SmMode.COMBINED) -> IsoSmHost:
        """ISO secure messaging with these keys and SSC 0 (9303-11 9.8.2 for PACE)."""
        suite = self.suite()
        session = IsoSmHost(suite, bytes(suite.ssc_width), mode=mode)
        session.scope = SessionScope.CHIP  # ICAO 9303-11 4.2: PACE is chip-wide
        return session

    def card_session(self, mode: SmMode = SmMode.COMBINED) -> IsoSmCard:
        suite = self.suite()
        session = IsoSmCard(suite, bytes(suite.ssc_width), mode=mode)
        session.scope = SessionScope.CHIP  # ICAO 9303-11 4.2: PACE is chip-wide
        return session


def authentication_token(key_type: KeyType, ks_mac: bytes, public_key_data: bytes) -> bytes:
    """T = MAC(KS_mac, PK data) (9303-11 4.4.3.4): 8-byte AES-CMAC, or the 3DES retail MAC
    over the data padded with ISO 9797-1 method 2 (9.8.3)."""
    if key_type is KeyType.TDES:
        return RetailMacKey(ks_mac).mac(pad(public_key_data, 8))
    return AesCmacKey(ks_mac).mac(public_key_data)[:TOKEN_LENGTH]
