"""PACE with the Generic Mapping over ECDH and DH, host (terminal) and card (chip) side.

Sources: ICAO Doc 9303 Part 11 (8th edition, 2021) section 4.4 (protocol), 9.2.1 (PACEInfo and
OIDs), 9.5.1 (standardized domain parameters), 9.7 (key derivation) and 9.8 (secure
messaging); worked examples in Appendix G (G.1 ECDH on brainpoolP256r1, G.2 DH on the RFC 5114
1024-bit group). BSI TR-03110-3 and TR-03111 define the same protocol for eID cards.

The protocol (9303-11 4.4.3 and 4.4.4):

0. MSE:Set AT (00 22 C1 A4): 80 protocol OID, 83 password reference (MRZ 01, CAN 02, PIN 03,
   PUK 04), 84 domain parameter id when ambiguous.
1. GENERAL AUTHENTICATE (10 86 00 00, 7C 00): the chip answers 7C { 80 z } with
   z = E(K_pi, s), CBC with a zero IV, K_pi = KDF(f(password), 3).
2. 7C { 81 PK_map,IFD } -> 7C { 82 PK_map,IC }; both sides compute H from the mapping keys and
   the mapped generator G~ = s*G + H (ECDH) or g~ = g^s * h (DH) (4.4.3.3.1).
3. 7C { 83 PK_IFD } -> 7C { 84 PK_IC }: ephemeral keys on G~; K = shared secret (the
   x-coordinate for ECDH); KS_enc = KDF(K, 1), KS_mac = KDF(K, 2) (9.7.1).
4. (CLA 00) 7C { 85 T_IFD } -> 7C { 86 T_IC [87 CAR1] [88 CAR2] }: T = MAC(KS_mac, 7F49 { 06 OID,
   86 point | 84 value } of the *other* side's ephemeral key) (4.4.3.4, 9.4.2); AES-CMAC
   truncated to 8 bytes or the 3DES retail MAC.
5. Secure messaging with KS_enc / KS_mac and SSC 0 (9.8.2 / 4.4.3.5).

Everything is sans-IO: the host turns responses into the next command, the card turns commands
into responses, and randomness comes from an injected ``rng`` so the worked examples replay.
Integrated Mapping and Chip Authentication Mapping are recognised in OIDs but not supported.

This package is the one import path; its private modules: ``_algorithms`` (OIDs, command bytes,
tags), ``_groups`` (ECDH and DH groups, standardized domain parameters), ``_messages``
(passwords, the symmetric steps, GENERAL AUTHENTICATE encoding), ``_host`` and ``_card``.
"""

from __future__ import annotations

from cardwire.sm.pace._algorithms import (
    ALGORITHMS,
    CLA_CHAINING,
    ID_PACE_DH_GM_3DES_CBC_CBC,
    ID_PACE_DH_GM_AES_CBC_CMAC_128,
    ID_PACE_DH_GM_AES_CBC_CMAC_192,
    ID_PACE_DH_GM_AES_CBC_CMAC_256,
    ID_PACE_ECDH_GM_3DES_CBC_CBC,
    ID_PACE_ECDH_GM_AES_CBC_CMAC_128,
    ID_PACE_ECDH_GM_AES_CBC_CMAC_192,
    ID_PACE_ECDH_GM_AES_CBC_CMAC_256,
    INS_GENERAL_AUTHENTICATE,
    INS_MSE,
    MSE_SET_AT_P1,
    MSE_SET_AT_P2,
    NONCE_LENGTH,
    TAG_AUXILIARY_DATA,
    TAG_CAR_1,
    TAG_CAR_2,
    TAG_CHAT,
    TAG_DH_PUBLIC_VALUE,
    TAG_DYNAMIC_AUTHENTICATION_DATA,
    TAG_EC_PUBLIC_POINT,
    TAG_ENCRYPTED_NONCE,
    TAG_EPHEMERAL_KEY_IC,
    TAG_EPHEMERAL_KEY_IFD,
    TAG_MAPPING_DATA_IC,
    TAG_MAPPING_DATA_IFD,
    TAG_OID,
    TAG_PARAMETER_ID,
    TAG_PASSWORD_REFERENCE,
    TAG_PROTOCOL,
    TAG_PUBLIC_KEY,
    TAG_TOKEN_IC,
    TAG_TOKEN_IFD,
    TOKEN_LENGTH,
    KeyAgreement,
    MappingKind,
    PaceAlgorithm,
    algorithm_for,
)
from cardwire.sm.pace._card import PaceCard, PaceOutcome
from cardwire.sm.pace._groups import (
    SUPPORTED_PARAMETER_IDS,
    DhModpGroup,
    EcGroup,
    PaceGroup,
    domain_parameters,
)
from cardwire.sm.pace._host import PaceHost, PaceResult
from cardwire.sm.pace._messages import (
    PacePassword,
    PasswordType,
    SessionKeys,
    authentication_token,
    decrypt_nonce,
    dynamic_objects,
    encrypt_nonce,
    general_authenticate,
    mse_set_at,
)

__all__ = [
    "ALGORITHMS",
    "CLA_CHAINING",
    "ID_PACE_DH_GM_3DES_CBC_CBC",
    "ID_PACE_DH_GM_AES_CBC_CMAC_128",
    "ID_PACE_DH_GM_AES_CBC_CMAC_192",
    "ID_PACE_DH_GM_AES_CBC_CMAC_256",
    "ID_PACE_ECDH_GM_3DES_CBC_CBC",
    "ID_PACE_ECDH_GM_AES_CBC_CMAC_128",
    "ID_PACE_ECDH_GM_AES_CBC_CMAC_192",
    "ID_PACE_ECDH_GM_AES_CBC_CMAC_256",
    "INS_GENERAL_AUTHENTICATE",
    "INS_MSE",
    "MSE_SET_AT_P1",
    "MSE_SET_AT_P2",
    "NONCE_LENGTH",
    "SUPPORTED_PARAMETER_IDS",
    "TAG_AUXILIARY_DATA",
    "TAG_CAR_1",
    "TAG_CAR_2",
    "TAG_CHAT",
    "TAG_DH_PUBLIC_VALUE",
    "TAG_DYNAMIC_AUTHENTICATION_DATA",
    "TAG_EC_PUBLIC_POINT",
    "TAG_ENCRYPTED_NONCE",
    "TAG_EPHEMERAL_KEY_IC",
    "TAG_EPHEMERAL_KEY_IFD",
    "TAG_MAPPING_DATA_IC",
    "TAG_MAPPING_DATA_IFD",
    "TAG_OID",
    "TAG_PARAMETER_ID",
    "TAG_PASSWORD_REFERENCE",
    "TAG_PROTOCOL",
    "TAG_PUBLIC_KEY",
    "TAG_TOKEN_IC",
    "TAG_TOKEN_IFD",
    "TOKEN_LENGTH",
    "DhModpGroup",
    "EcGroup",
    "KeyAgreement",
    "MappingKind",
    "PaceAlgorithm",
    "PaceCard",
    "PaceGroup",
    "PaceHost",
    "PaceOutcome",
    "PacePassword",
    "PaceResult",
    "PasswordType",
    "SessionKeys",
    "algorithm_for",
    "authentication_token",
    "decrypt_nonce",
    "domain_parameters",
    "dynamic_objects",
    "encrypt_nonce",
    "general_authenticate",
    "mse_set_at",
]
