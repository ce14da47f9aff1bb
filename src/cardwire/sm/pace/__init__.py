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

from cardwire.sm.pace import _algorithms, _card, _groups, _host, _messages
from cardwire.sm.pace._algorithms import *  # noqa: F403
from cardwire.sm.pace._card import *  # noqa: F403
from cardwire.sm.pace._groups import *  # noqa: F403
from cardwire.sm.pace._host import *  # noqa: F403
from cardwire.sm.pace._messages import *  # noqa: F403

__all__ = _algorithms.__all__ + _card.__all__ + _groups.__all__ + _host.__all__ + _messages.__all__
