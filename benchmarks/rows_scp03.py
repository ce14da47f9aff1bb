"""GlobalPlatform SCP03 round (AES-128, S8): the host protects a command and unprotects the answer.

Both hosts start from the same handshake (fixed host and card challenges, the default test keys
404142..4F) against cardwire's card side: cardwire's :class:`Scp03Handshake`, and yubikit's
``ScpState.scp03_init`` followed by its EXTERNAL AUTHENTICATE C-MAC. The card's answers are
computed once by cardwire's card session; each timed batch starts a fresh host session, so the
same answers verify for both hosts (a wrong peer state would fail with "Wrong MAC").

Per round (GP Amendment D 6.2.4-6.2.7), level 33: ICV = E(S-ENC, counter), CBC encryption of
the padded payload, C-MAC (CMAC over chaining value || header || Lc || data); R-MAC over chaining
value || data || SW, response ICV, CBC decryption. Level 01: the C-MAC only (the answer travels
plain). The floor is exactly these calls.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from benchmarks import floor_crypto as fc
from benchmarks.harness import Batch, Contender, Role, Row
from benchmarks.sm_round import RoundScript, cardwire_round
from cardwire.apdu import Command, Response
from cardwire.sm.scp03 import (
    Scp03Card,
    Scp03CardSession,
    Scp03Handshake,
    Scp03HostSession,
    StaticKeys,
    derive_session_keys,
)

FAMILY = "SCP03 round"
HOST_CHALLENGE = bytes.fromhex("F0E1D2C3B4A59687")
CARD_CHALLENGE = bytes.fromhex("0123456789ABCDEF")
AID = bytes.fromhex("A000000151000000")
TARGETS = {16: 0.5, 200: 0.6}  # issue 10: SCP03 >= 0.5 of floor at 16 B, 0.6 at 200 B
CLA, INS, P1, P2 = 0x80, 0xCA, 0x00, 0x66  # GET DATA-like case 4 command with the payload


def _card() -> Scp03Card:
    return Scp03Card([StaticKeys.default()], AID, rng=lambda n: CARD_CHALLENGE[:n])


def open_sessions(level: int) -> tuple[Scp03HostSession, Scp03CardSession]:
    """A cardwire host and card session after the handshake with the fixed challenges."""
    card = _card()
    handshake = Scp03Handshake(StaticKeys.default(), level=level, rng=lambda n: HOST_CHALLENGE)
    answer = card.initialize_update(handshake.initialize_update())
    external = handshake.external_authenticate(answer)
    response, card_session = card.external_authenticate(external)
    return handshake.complete(response), card_session


def script_of(level: int, payload: bytes) -> RoundScript:
    """The card's answers, for one session at ``level``, to the command carrying ``payload``."""
    host, card = open_sessions(level)
    command = Command(CLA, INS, P1, P2, payload, ne=256)
    return RoundScript(command, Response(payload, 0x9000), host, card)


def new_host(level: int) -> Scp03HostSession:
    host, _ = open_sessions(level)
    return host


def yubikit_round(script: RoundScript, level: int) -> Contender | None:
    """yubikit's ScpState doing the same host work (format, encrypt, MAC, un-MAC, decrypt)."""
    try:
        from yubikit.core.smartcard import ShortApduFormatter
        from yubikit.core.smartcard.scp import KeyRef, Scp03KeyParams, ScpState
        from yubikit.core.smartcard.scp import StaticKeys as YkStaticKeys
    except ImportError:
        return None
    answer = _card().initialize_update(Command(0x80, 0x50, 0x30, 0x00, HOST_CHALLENGE, ne=256))
    formatter: Any = ShortApduFormatter()  # yubikit is untyped
    payload = script.command.data
    encrypted = bool(level & 0x02)
    secured_answer = bool(level & 0x10)

    def new_state() -> Any:
        params = Scp03KeyParams(KeyRef(0x01, 0x30), YkStaticKeys.default())

        def send_apdu(cla: int, ins: int, p1: int, p2: int, data: bytes) -> bytes:
            return answer.data  # the card's INITIALIZE UPDATE answer

        state, host_cryptogram = ScpState.scp03_init(
            send_apdu, params, host_challenge=HOST_CHALLENGE
        )
        # EXTERNAL AUTHENTICATE: its C-MAC is the first chaining value (as yubikit sends it).
        external = host_cryptogram + bytes(8)
        state.mac(formatter.format_apdu(0x84, 0x82, level, 0, external, 0)[:-8])
        return state

    # The peer must compute the very C-MAC cardwire sends (else it would be doing other work).
    state = new_state()
    body = state.encrypt(payload) if encrypted else payload
    first_mac = state.mac(formatter.format_apdu(CLA | 0x04, INS, P1, P2, body + bytes(8), 0)[:-8])
    if new_host(level).protect(script.command).data != body + first_mac:
        raise RuntimeError("yubikit's SCP03 state does not match cardwire's first command")

    def prepare(items: int) -> Batch:
        responses = [(r.data, r.sw) for r in script.upto(items)]
        state = new_state()
        encrypt, mac, unmac, decrypt = state.encrypt, state.mac, state.unmac, state.decrypt
        format_apdu = formatter.format_apdu
        cla = CLA | 0x04
        mac_room = bytes(8)

        def batch() -> None:
            for data, sw in responses:
                # yubikit ScpProcessor.send_apdu, minus the transport
                body = encrypt(payload) if encrypted else payload
                mac(format_apdu(cla, INS, P1, P2, body + mac_room, 0)[:-8])
                if secured_answer:
                    plain = unmac(data, sw)
                    if encrypted and plain:
                        decrypt(plain)

        return batch

    return Contender(Role.PEER, "yubikit 5.9", prepare)


def floor_round(level: int, payload_size: int) -> Contender:
    keys = derive_session_keys(StaticKeys.default(), HOST_CHALLENGE + CARD_CHALLENGE)
    cipher = fc.aes(keys.enc)
    c_mac, r_mac = fc.FloorCmac(keys.mac), fc.FloorCmac(keys.rmac)
    encrypted = bool(level & 0x02)
    body = fc.padded_size(payload_size, 16) if encrypted else payload_size
    plain = bytes(body)
    # C-MAC input: chaining value (16) || CLA INS P1 P2 || Lc || data || (C-MAC room excluded)
    command_mac_input = bytes(16 + 4 + 1 + body)
    response_mac_input = bytes(16 + body + 2)  # chaining value || data || SW1 SW2
    counter = bytes(16)

    def prepare(items: int) -> Batch:
        ecb, encrypt, decrypt = cipher.ecb, cipher.cbc_encrypt, cipher.cbc_decrypt
        command_mac, response_mac = c_mac.mac, r_mac.mac
        if not encrypted:

            def batch() -> None:
                for _ in range(items):
                    command_mac(command_mac_input)

            return batch

        def full() -> None:
            for _ in range(items):
                cryptogram = encrypt(ecb(counter), plain)
                command_mac(command_mac_input)
                response_mac(response_mac_input)
                decrypt(ecb(counter), cryptogram)

        return full

    return Contender(Role.FLOOR, "floor", prepare)


def rows(payloads: tuple[int, ...]) -> list[Row]:
    out = []
    for level in (0x33, 0x01):
        for size in payloads:
            script = script_of(level, bytes(i & 0xFF for i in range(size)))
            contenders = [
                cardwire_round(script, partial(new_host, level)),
                floor_round(level, size),
            ]
            peer = yubikit_round(script, level)
            if peer is not None:
                contenders.append(peer)
            out.append(
                Row(
                    family=FAMILY,
                    name=f"SCP03 level {level:02X} AES-128",
                    variant=f"{size} B",
                    unit="rounds/s",
                    contenders=tuple(contenders),
                    target_floor=TARGETS.get(size),
                )
            )
    return out
