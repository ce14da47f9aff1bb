"""Keycard secure channel rounds (v1, and v2 below): the host protects a command and unprotects
the answer.

Both hosts (cardwire's :class:`KeycardSession` and the ``keycard`` SDK's ``SecureChannelV1``)
start from the same session keys and IV; the card's answers are computed once with cardwire's
card session. Each timed batch starts a fresh host, so the same answers verify again (the SDK
raises "Invalid MAC" otherwise).

Per round (Keycard docs, "Secure Channel"): AES-CBC of the padded command data (IV = last
MAC), AES CBC-MAC over [CLA INS P1 P2 Lc] || 11 zero bytes || ciphertext; for the answer the
CBC-MAC over [Lr] || 15 zero bytes || ciphertext and the CBC decryption of data || SW. The floor
is those four CBC operations, each on a new context.
"""

from __future__ import annotations

from benchmarks import floor_crypto as fc
from benchmarks.harness import Batch, Contender, Role, Row
from benchmarks.sm_round import RoundScript, cardwire_round
from cardwire.apdu import Command, Response
from cardwire.sm.keycard import KeycardCardSession, KeycardSession, SessionKeys
from cardwire.sm.keycard.v2 import KeycardV2CardSession, KeycardV2Session

FAMILY = "Keycard round"
KEYS = SessionKeys(bytes(range(32)), bytes(range(32, 64)))
IV = bytes.fromhex("8899AABBCCDDEEFF0011223344556677")
CLA, INS, P1, P2 = 0x80, 0xC0, 0x00, 0x00  # GET STATUS-like command with the payload
TARGETS = {16: 0.75, 200: 0.8}  # issue 10: Keycard >= 0.75 of floor at 16 B, 0.8 at 200 B


def new_host() -> KeycardSession:
    return KeycardSession(KEYS, IV)


def script_of(payload: bytes) -> RoundScript:
    """The card's answers, for one session, to the command carrying ``payload``."""
    command = Command(CLA, INS, P1, P2, payload, ne=256)
    card = KeycardCardSession(KEYS, IV)
    return RoundScript(command, Response(payload, 0x9000), new_host(), card)


def sdk_round(script: RoundScript) -> Contender | None:
    """The keycard SDK's SecureChannelV1: wrap_apdu (data field) and unwrap_response."""
    try:
        from keycard.apdu import APDUResponse
        from keycard.secure_channel import SecureChannelV1
    except ImportError:
        return None
    payload = script.command.data
    first = SecureChannelV1(KEYS.enc, KEYS.mac, IV, authenticated=True)
    if first.wrap_apdu(CLA, INS, P1, P2, payload) != new_host().protect(script.command).data:
        raise RuntimeError("the keycard SDK's channel does not match cardwire's first command")

    def prepare(items: int) -> Batch:
        responses = [APDUResponse(r.data, r.sw) for r in script.upto(items)]
        channel = SecureChannelV1(KEYS.enc, KEYS.mac, IV, authenticated=True)
        wrap, unwrap = channel.wrap_apdu, channel.unwrap_response

        def batch() -> None:
            for response in responses:
                wrap(CLA, INS, P1, P2, payload)
                unwrap(response)

        return batch

    return Contender(Role.PEER, "keycard SDK 0.4", prepare)


def floor_round(payload_size: int) -> Contender:
    encryption, mac = fc.aes(KEYS.enc), fc.aes(KEYS.mac)
    command_ciphertext = fc.padded_size(payload_size, 16)
    response_ciphertext = fc.padded_size(payload_size + 2, 16)  # data || SW, padded
    plain = bytes(command_ciphertext)
    command_mac_input = bytes(16 + command_ciphertext)  # [header Lc] || 11 zeros || ciphertext
    response_mac_input = bytes(16 + response_ciphertext)  # [Lr] || 15 zeros || ciphertext
    response = bytes(response_ciphertext)
    zero_iv = bytes(16)

    def prepare(items: int) -> Batch:
        encrypt, decrypt, mac_cbc = encryption.cbc_encrypt, encryption.cbc_decrypt, mac.cbc_encrypt

        def batch() -> None:
            iv = IV
            for _ in range(items):
                encrypt(iv, plain)
                iv = mac_cbc(zero_iv, command_mac_input)[-16:]
                response_mac = mac_cbc(zero_iv, response_mac_input)[-16:]
                decrypt(iv, response)
                iv = response_mac

        return batch

    return Contender(Role.FLOOR, "floor", prepare)


# --- Secure Channel V2 (applet 4.x; cardwire.sm.keycard.v2) ---------------------------------
# Per round: AES-128-CCM encryption of the inner APDU (80 INS P1 P2 Lc data) and decryption of
# the answer (data || SW), 8-byte tags, the counter nonce: one AEAD call each way, which is the
# floor (each on an AESCCM object made once, as the sessions do).
V2_KEYS = (bytes(range(16)), bytes(range(16, 32)))


def new_v2_host() -> KeycardV2Session:
    return KeycardV2Session(*V2_KEYS)


def v2_script_of(payload: bytes) -> RoundScript:
    command = Command(CLA, INS, P1, P2, payload)
    return RoundScript(
        command, Response(payload, 0x9000), new_v2_host(), KeycardV2CardSession(*V2_KEYS)
    )


def v2_sdk_round(script: RoundScript) -> Contender | None:
    """The keycard SDK's SecureChannelV2: wrap and unwrap."""
    try:
        from keycard.apdu import APDUResponse
        from keycard.secure_channel import SecureChannelV2
    except ImportError:
        return None
    payload = script.command.data
    first = SecureChannelV2(*V2_KEYS)
    if first.wrap(INS, P1, P2, payload) != new_v2_host().protect(script.command).encode():
        raise RuntimeError("the keycard SDK's V2 channel does not match cardwire's first command")

    def prepare(items: int) -> Batch:
        responses = [APDUResponse(r.data, r.sw) for r in script.upto(items)]
        channel = SecureChannelV2(*V2_KEYS)
        wrap, unwrap = channel.wrap, channel.unwrap

        def batch() -> None:
            for response in responses:
                wrap(INS, P1, P2, payload)
                unwrap(response)

        return batch

    return Contender(Role.PEER, "keycard SDK 0.4", prepare)


def v2_floor_round(script: RoundScript) -> Contender:
    from cryptography.hazmat.primitives.ciphers.aead import AESCCM

    inner = bytes((CLA, INS, P1, P2, len(script.command.data))) + script.command.data

    def prepare(items: int) -> Batch:
        answers = [r.data for r in script.upto(items)]
        h2c, c2h = AESCCM(V2_KEYS[0], tag_length=8), AESCCM(V2_KEYS[1], tag_length=8)
        encrypt, decrypt = h2c.encrypt, c2h.decrypt

        def batch() -> None:
            for counter, answer in enumerate(answers):
                nonce = counter.to_bytes(13, "big")
                encrypt(nonce, inner, None)
                decrypt(nonce, answer, None)

        return batch

    return Contender(Role.FLOOR, "floor", prepare)


def v2_rows(payloads: tuple[int, ...]) -> list[Row]:
    out = []
    for size in payloads:
        if size > KeycardV2Session.MAX_DATA:
            continue
        script = v2_script_of(bytes(i & 0xFF for i in range(size)))
        contenders = [cardwire_round(script, new_v2_host), v2_floor_round(script)]
        peer = v2_sdk_round(script)
        if peer is not None:
            contenders.append(peer)
        out.append(
            Row(
                family=FAMILY,
                name="Keycard channel v2",
                variant=f"{size} B",
                unit="rounds/s",
                contenders=tuple(contenders),
            )
        )
    return out


def rows(payloads: tuple[int, ...]) -> list[Row]:
    return v1_rows(payloads) + v2_rows(payloads)


def v1_rows(payloads: tuple[int, ...]) -> list[Row]:
    out = []
    for size in payloads:
        script = script_of(bytes(i & 0xFF for i in range(size)))
        contenders = [cardwire_round(script, new_host), floor_round(size)]
        peer = sdk_round(script)
        if peer is not None:
            contenders.append(peer)
        out.append(
            Row(
                family=FAMILY,
                name="Keycard channel v1",
                variant=f"{size} B",
                unit="rounds/s",
                contenders=tuple(contenders),
                target_floor=TARGETS.get(size),
            )
        )
    return out
