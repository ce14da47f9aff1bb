"""The Keycard secure channel, version 1 (applet 3.x), host and card side, sans-IO.

Sources: Keycard docs (keycard.tech/docs/apdu: PAIR, OPEN SECURE CHANNEL, MUTUALLY AUTHENTICATE,
"Secure Channel") and docs/keycard.md.

- Pairing (PAIR, INS 12): P1=0 sends a 32-byte client challenge and gets SHA-256(secret ||
  client challenge) || card challenge; P1=1 sends SHA-256(secret || card challenge) and gets the
  pairing index || salt; the pairing key is SHA-256(secret || salt). The secret comes from a
  pairing password by PBKDF2-HMAC-SHA256(NFKD(password), "Keycard Pairing Password Salt",
  50000 iterations, 32 bytes), or is given raw.
- OPEN SECURE CHANNEL (INS 10, P1 = pairing index) sends an ephemeral secp256k1 public key and
  gets salt(32) || IV(16); keys = SHA-512(ECDH x || pairing key || salt): the first 32 bytes
  encrypt, the last 32 MAC (AES-256). MUTUALLY AUTHENTICATE (INS 11) then runs inside the
  channel: 32 random bytes in, 32 bytes out.
- Inside the channel only the data field is protected: data = MAC(16) || AES-CBC(pad(data)),
  the MAC is an AES CBC-MAC with a zero IV over [CLA INS P1 P2 Lc] || 11x00 || ciphertext
  (Lc counts MAC + ciphertext); the response data is MAC || AES-CBC(pad(data || SW)), its MAC
  over [Lr] || 15x00 || ciphertext with Lr = (16 + ciphertext length) mod 256. The encryption
  IV is always the last MAC seen; the outer SW is 9000; a plain 6982 means the card closed the
  channel.

Both sides share one codec (:class:`KeycardCodec`), so host and card cannot drift apart.

Modules: ``constants``, ``pairing`` (PAIR, the pairing secret), ``codec`` (session keys and
the shared codec), ``host`` and ``card`` (the two sides of an open channel), ``application_info``
(the SELECT answer). The exchanges over a card session (select, pair, open, unpair) are
:mod:`cardwire.handshakes.keycard`.
"""

from __future__ import annotations

from cardwire.sm.keycard import application_info, card, codec, constants, host, pairing
from cardwire.sm.keycard.application_info import *  # noqa: F403
from cardwire.sm.keycard.card import *  # noqa: F403
from cardwire.sm.keycard.codec import *  # noqa: F403
from cardwire.sm.keycard.constants import *  # noqa: F403
from cardwire.sm.keycard.host import *  # noqa: F403
from cardwire.sm.keycard.pairing import *  # noqa: F403

__all__ = (
    application_info.__all__
    + card.__all__
    + codec.__all__
    + constants.__all__
    + host.__all__
    + pairing.__all__
)
