"""The demo's Keycard section: the secure channel v1 of the simulated Keycard applet.

Steps (Keycard docs; docs/keycard.md): select the applet (its public key comes back in the
application info template), PAIR with the default pairing password, OPEN SECURE CHANNEL and
MUTUALLY AUTHENTICATE, VERIFY PIN inside the channel, GENERATE KEY and SIGN a digest; the
signature is checked on the host against the public key the card returned.
"""

from __future__ import annotations

import hashlib

from cardwire.apdu import Command
from cardwire.cli.demo_cmd import DemoRun, demo_section
from cardwire.crypto.secp256k1 import verify_digest
from cardwire.errors import DecodeError
from cardwire.handshakes import keycard as keycard_io
from cardwire.hexutil import to_hex
from cardwire.sm import keycard
from cardwire.tlv import parse_one

DEFAULT_PIN = "123456"  # the simulated applet's default PIN (README, "Default secrets")
# Keycard APDU reference: VERIFY PIN 80 20, GENERATE KEY 80 D4, SIGN 80 C0 (data: a digest).
VERIFY_PIN = Command(keycard.CLA_KEYCARD, 0x20, 0, 0, DEFAULT_PIN.encode("ascii"))
GENERATE_KEY = Command(keycard.CLA_KEYCARD, 0xD4, 0, 0)
SIGN = 0xC0
TAG_PUBLIC_KEY, TAG_SIGNATURE = 0x80, 0x30  # SIGN answer: template A0 { 80 key, 30 DER sig }


@demo_section
def keycard_secure_channel(run: DemoRun) -> None:
    """Pair, open the Keycard secure channel, verify the PIN, sign and check the signature."""
    run.section("Keycard secure channel v1 (ECDH secp256k1, AES-CBC, CBC-MAC)")
    card = run.card
    with run.step("Select the Keycard applet: version, free pairing slots, public key"):
        info = keycard_io.select_keycard(card)
    run.result("applet", f"Keycard {info.version_text}, {info.free_slots} free pairing slots")
    with run.step("PAIR with the default pairing password (two steps, cryptograms checked)"):
        pairing = keycard_io.pair(card, keycard.pairing_secret(keycard.DEFAULT_PAIRING_PASSWORD))
    run.result("pairing slot", str(pairing.index))
    with run.step("OPEN SECURE CHANNEL (ephemeral ECDH) and MUTUALLY AUTHENTICATE"):
        session = keycard_io.open_keycard(card, pairing, info.public_key)
    if run.show_keys:
        run.result("session keys", f"{to_hex(session.keys.enc)},{to_hex(session.keys.mac)}")
    with run.step("VERIFY PIN, GENERATE KEY and SIGN a digest, all inside the channel"):
        card.send(VERIFY_PIN)
        card.send(GENERATE_KEY)
        digest = hashlib.sha256(b"signed by the cardwire demo").digest()
        answer = card.send(Command(keycard.CLA_KEYCARD, SIGN, 0, 0, digest))
    template = parse_one(answer.data)
    public_key, signature = template.find(TAG_PUBLIC_KEY), template.find(TAG_SIGNATURE)
    if public_key is None or signature is None:
        raise DecodeError("the SIGN answer lacks the public key (80) or the signature (30)")
    verify_digest(public_key.value, digest, signature.encode())
    run.result("signature", f"ECDSA secp256k1, verified on the host ({len(signature.encode())} B)")
    with run.step("UNPAIR the slot and end the channel"):
        keycard_io.unpair(card, pairing.index)
        card.secure(None)
