"""Keycard secure channel v1 (cardwire.sm.keycard) and its secp256k1 helpers.

Known answers come from status-im/keycard-go (named per test); agreement tests run the PyPI
``keycard`` SDK 0.4.0 (keycard.secure_channel.v1.SecureChannelV1, an independent implementation)
on the same keys and IVs; ECDH and ECDSA are cross-checked with python-ecdsa (pure Python, not
OpenSSL).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.crypto.secp256k1 import CURVE_ORDER, Secp256k1PrivateKey, verify_digest
from cardwire.errors import (
    CryptogramError,
    DecodeError,
    SecureChannelError,
    SessionClosedError,
    UsageError,
)
from cardwire.sim import open_card
from cardwire.sm.keycard import (
    MAX_PAYLOAD,
    ApplicationInfo,
    KeycardCardSession,
    KeycardCodec,
    KeycardSession,
    OpenSecureChannel,
    Pairing,
    PairingHandshake,
    SessionKeys,
    derive_session_keys,
    max_plain_payload,
    pairing_secret,
)

h = bytes.fromhex


def _counting_rng(seed: int = 1) -> Callable[[int], bytes]:
    state = {"n": seed}

    def rng(n: int) -> bytes:
        state["n"] += 1
        return hashlib.sha512(state["n"].to_bytes(4, "big")).digest()[:n]

    return rng


# --- known answers: status-im/keycard-go --------------------------------------------------------


def test_session_keys_keycard_go_derive_session_keys() -> None:
    # status-im/keycard-go, crypto/crypto_test.go, TestDeriveSessionKeys: card data = salt || IV.
    secret = h("B410E816DA313545151807E25A830201FA389913A977066AB0C6DE0E8631E400")
    pairing_key = h("544FF0B9B0737E4BFC4ECDFCE09F522B837051BBE4FFCEC494FA420D8525670E")
    card_data = h(
        "1D7C033E75E10EC578AB538F69F1B02538571BA3831441F1649E3F24B5B3E3E7"
        "1D7BC2D6A3D02FC8CB2FBB3FD8711BB5"
    )
    keys = derive_session_keys(secret, pairing_key, card_data[:32])
    assert keys.enc == h("4FF496554C01BAE0A52323E3481B448C99D43982118D95C6918FE0354D224B90")
    assert keys.mac == h("185811013138EA1B4FFDBBFA7343EF2DBE3E54C2C231885E867F792448AC2FE5")
    assert card_data[32:] == h("1D7BC2D6A3D02FC8CB2FBB3FD8711BB5")


def test_command_encryption_keycard_go_encrypt_data() -> None:
    # status-im/keycard-go, crypto/crypto_test.go, TestEncryptData (ISO 9797-1 M2 + AES-CBC).
    keys = SessionKeys(
        h("44D689AB4B18206F7EEE5439FB9A71A8A617406BA5259728D1EBC2786D24896C"), bytes(32)
    )
    codec = KeycardCodec(keys, h("9D3EF41EF1D221DD98A54AD5470F58F2"))
    sealed = codec.seal_command(
        b"\x80\x11\x00\x00", h("A8A686D0E3290459BCB36088A8FD04A76BF13283BE4B1EAE2E1248EF609F94DC")
    )
    assert sealed[16:] == h(
        "FFB41FED5F71A2B57A6AE62D5D5ECD1C12616F6464637DD0A7A930920ACBA558"
        "67A7E12CC4F06B089AF34FF4ED4BAB08"
    )


def test_response_decryption_keycard_go_decrypt_data() -> None:
    # status-im/keycard-go, crypto/crypto_test.go, TestDecryptData: plaintext ends with 9000.
    keys = SessionKeys(
        h("D93D8E6164196D5C5B5F84F10E4B90D98F8D282ED145513ED666AA55C9871E79"), bytes(32)
    )
    ciphertext = h(
        "73B58B66372E3446E14A9F54BA59666DB432E9DD87D24F9B0525180EE52DA210"
        "6E0C70EED7CD42B5B313E4443D6AC90D"
    )
    iv = h("F959B1220333046D3C47D61B1E1B891B")
    codec = KeycardCodec(keys, iv)
    plain = codec.open_response(codec.response_mac(ciphertext) + ciphertext)
    assert plain == h("2E21F9F2B2C2CC9038D518A5C6B490613E7955BD19D19108B77786986B7ABFE69000")


def test_mutually_authenticate_wrap_keycard_go_secure_channel_send() -> None:
    # status-im/keycard-go, secure_channel_test.go, TestSecureChannel_Send: MUTUALLY
    # AUTHENTICATE (80 11 00 00) wrapped: MAC || ciphertext, and the MAC becomes the IV.
    keys = SessionKeys(
        h("FDBCB1637597CF3F8F5E8263007D4E45F64C12D44066D4576EB1443D60AEF441"),
        h("2FB70219E6635EE0958AB3F7A428BA87E8CD6E6F873A5725A55F25B102D0F1F7"),
    )
    session = KeycardSession(keys, h("627E64358FA9BDCDAD4442BD8006E0A5"))
    data = h("D545A5E95963B6BCED86A6AE826D34C5E06AC64A1217EFFA1415A96674A82500")
    protected = session.protect(Command(0x80, 0x11, 0, 0, data))
    assert protected.data == h(
        "BA796BF8FAD1FD50407B87127B94F5023EF8903AE926EAD8A204F961B8A0EDAE"
        "E7CCCFE7F7F6380CE2C6F188E598E4468B7DEDD0E807C18CCBDA71A55F3E1F9A"
    )
    assert session.iv == h("BA796BF8FAD1FD50407B87127B94F502")
    assert protected.header == h("80110000")


# --- agreement with the keycard SDK (keycard.secure_channel.v1) ---------------------------------

sdk_v1 = pytest.importorskip("keycard.secure_channel.v1")
sdk_apdu = pytest.importorskip("keycard.apdu")
sdk_token = pytest.importorskip("keycard.crypto.generate_pairing_token")

key_bytes = st.binary(min_size=32, max_size=32)
iv_bytes = st.binary(min_size=16, max_size=16)
headers = st.tuples(*(st.integers(0, 255) for _ in range(4)))


def wrapped_by_the_session(header: tuple[int, int, int, int]) -> bool:
    """Whether KeycardSession protects a command with this header: an interindustry SELECT
    goes out plain and ends the session, and a chained CLA is refused (both tested below)."""
    cla = parse_cla(header[0])
    return not (cla.chaining or (cla.interindustry and header[1] == 0xA4))


@settings(max_examples=60, deadline=None)
@given(enc=key_bytes, mac=key_bytes, iv=iv_bytes, header=headers, data=st.binary(max_size=223))
def test_command_wrap_matches_the_sdk(
    enc: bytes, mac: bytes, iv: bytes, header: tuple[int, int, int, int], data: bytes
) -> None:
    assume(wrapped_by_the_session(header))
    ours = KeycardSession(SessionKeys(enc, mac), iv)
    theirs = sdk_v1.SecureChannelV1(enc_key=enc, mac_key=mac, iv=iv, authenticated=True)
    protected = ours.protect(Command(*header, data=data))
    assert protected.data == theirs.wrap_apdu(*header, data=data)
    assert ours.iv == theirs.iv


@settings(max_examples=60, deadline=None)
@given(
    enc=key_bytes,
    mac=key_bytes,
    iv=iv_bytes,
    data=st.binary(max_size=237),
    sw=st.sampled_from([0x9000, 0x6985, 0x63C2, 0x6A80]),
)
def test_card_wrap_is_what_the_sdk_unwraps(
    enc: bytes, mac: bytes, iv: bytes, data: bytes, sw: int
) -> None:
    card = KeycardCardSession(SessionKeys(enc, mac), iv)
    wrapped = card.wrap(Response(data, sw))
    assert wrapped.sw == 0x9000
    theirs = sdk_v1.SecureChannelV1(enc_key=enc, mac_key=mac, iv=iv, authenticated=True)
    plain, inner_sw = theirs.unwrap_response(sdk_apdu.APDUResponse(wrapped.data, wrapped.sw))
    assert (plain, inner_sw) == (data, sw)


@settings(max_examples=60, deadline=None)
@given(enc=key_bytes, mac=key_bytes, iv=iv_bytes, header=headers, data=st.binary(max_size=223))
def test_sdk_commands_unwrap_on_the_card(
    enc: bytes, mac: bytes, iv: bytes, header: tuple[int, int, int, int], data: bytes
) -> None:
    theirs = sdk_v1.SecureChannelV1(enc_key=enc, mac_key=mac, iv=iv, authenticated=True)
    body = theirs.wrap_apdu(*header, data=data)
    card = KeycardCardSession(SessionKeys(enc, mac), iv)
    assert card.unwrap(Command(*header, data=body)).data == data


def test_pairing_secret_matches_the_sdk_token() -> None:
    for password in ("KeycardDefaultPairing", "KeycardTest", "Ünïcödé ﬁ"):
        assert pairing_secret(password) == sdk_token.generate_pairing_token(password)


# --- host <-> card in memory ---------------------------------------------------------------------


def _pair_of_sessions(seed: int = 7) -> tuple[KeycardSession, KeycardCardSession]:
    rng = _counting_rng(seed)
    keys = SessionKeys(rng(32), rng(32))
    iv = rng(16)
    return KeycardSession(keys, iv), KeycardCardSession(keys, iv)


@settings(max_examples=80, deadline=None)
@given(
    header=headers,
    data=st.binary(max_size=MAX_PAYLOAD),
    answer=st.binary(max_size=200),
    sw=st.integers(0x6000, 0x9FFF),
)
def test_host_and_card_round_trip(
    header: tuple[int, int, int, int], data: bytes, answer: bytes, sw: int
) -> None:
    assume(wrapped_by_the_session(header))
    host, card = _pair_of_sessions()
    for _ in range(2):  # the IV chain carries over from one exchange to the next
        wire = host.protect(Command(*header, data=data))
        assert wire.nc <= 255 and wire.ne == 256  # short APDU, Le 00
        assert card.unwrap(wire) == Command(*header, data=data)
        assert host.unprotect(card.wrap(Response(answer, sw))) == Response(answer, sw)


def test_max_payload_is_derived_and_enforced() -> None:
    assert MAX_PAYLOAD == max_plain_payload(16, 16) == 223  # seed 001: 240 - 16 - 1
    assert max_plain_payload(8, 8) == 239  # a 64-bit cipher and MAC: (255 - 8) // 8 * 8 - 1
    host, _card = _pair_of_sessions()
    assert host.max_payload == 223
    wire = host.protect(Command(0x80, 0xE2, 0, 0, bytes(223)))
    assert wire.nc == 240
    with pytest.raises(UsageError, match="at most 223"):
        host.protect(Command(0x80, 0xE2, 0, 0, bytes(224)))
    assert host.active  # a refused payload does not end the session


def test_long_data_is_refused_not_chained() -> None:
    # The channel carries one APDU per message (seed 001: 223 bytes at most) and no command
    # chaining: each piece would be a message of its own, MACed with the chaining bit in CLA,
    # which the card does not take. The Card's chaining layer splits long data at max_payload,
    # so the session must refuse a chained piece, before anything is sent.
    host, _card = _pair_of_sessions()
    with pytest.raises(UsageError, match="chaining"):
        host.protect(Command(0x90, 0xE2, 0, 0, bytes(16)))
    assert host.active

    from cardwire.handshakes.keycard import open_keycard, pair, select_keycard

    card = open_card(trace=True)
    info = select_keycard(card)
    assert info.public_key is not None
    pairing = pair(card, pairing_secret("KeycardDefaultPairing"))  # README: default password
    session = open_keycard(card, pairing, info.public_key)
    assert card.trace is not None
    sent = len(card.trace.entries)
    with pytest.raises(UsageError):
        card.send(Command(0x80, 0x20, 0, 0, bytes(MAX_PAYLOAD + 1)))
    assert len(card.trace.entries) == sent  # nothing went to the card
    assert session.active
    assert card.send(Command(0x80, 0x20, 0, 0, b"123456")).sw == 0x9000  # README: default PIN


def test_plain_6982_means_the_card_closed_the_channel() -> None:
    host, _card = _pair_of_sessions()
    host.protect(Command(0x80, 0xF2, 0, 0))
    with pytest.raises(SessionClosedError, match="6982"):
        host.unprotect(Response(b"", 0x6982))
    assert not host.active
    with pytest.raises(SessionClosedError):
        host.protect(Command(0x80, 0xF2, 0, 0))


@pytest.mark.parametrize("sw", [0x6A80, 0x6D00, 0x6700, 0x9000])
def test_any_other_plain_answer_ends_the_session(sw: int) -> None:
    host, _card = _pair_of_sessions()
    host.protect(Command(0x80, 0xF2, 0, 0))
    with pytest.raises(SecureChannelError):
        host.unprotect(Response(b"", sw))
    assert not host.active


def test_select_goes_out_plain_and_ends_the_session() -> None:
    host, _card = _pair_of_sessions()
    select = Command(0x00, 0xA4, 0x04, 0x00, h("A000000804000101"), 256)
    assert host.protect(select) == select
    assert not host.active
    assert host.unprotect(Response(b"\xa4\x00", 0x9000)) == Response(b"\xa4\x00", 0x9000)
    with pytest.raises(SessionClosedError):
        host.protect(Command(0x80, 0xF2, 0, 0))


def test_close_drops_the_keys() -> None:
    host, card = _pair_of_sessions()
    host.close()
    card.close()
    assert not host.active and not card.active
    with pytest.raises(SessionClosedError):
        _ = host.keys
    assert not card.handles(Command(0x80, 0xF2, 0, 0))
    assert "hidden" in repr(SessionKeys(bytes(32), bytes(32)))


@settings(max_examples=150, deadline=None)
@given(raw=st.binary(max_size=260))
def test_any_response_bytes_give_a_response_or_a_secure_channel_error(raw: bytes) -> None:
    host, _card = _pair_of_sessions()
    host.protect(Command(0x80, 0xF2, 0, 0))
    try:
        response = Response.decode(raw)
    except DecodeError:
        return
    try:
        result = host.unprotect(response)
    except SecureChannelError:
        assert not host.active
        return
    assert isinstance(result, Response)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=255))
def test_any_command_data_gives_a_command_or_6982(data: bytes) -> None:
    _host, card = _pair_of_sessions()
    try:
        result = card.unwrap(Command(0x80, 0xF2, 0, 0, data))
    except SecureChannelError as exc:
        assert exc.card_sw == 0x6982
        assert not card.active
        return
    assert isinstance(result, Command)


def test_card_session_handles_channel_commands_only() -> None:
    _host, card = _pair_of_sessions()
    assert card.handles(Command(0x80, 0xF2, 0, 0))
    assert not card.handles(Command(0x00, 0xA4, 4, 0, h("A000000804000101")))
    assert not card.handles(Command(0x80, 0x10, 0, 0, bytes(65)))  # OPEN SECURE CHANNEL
    assert not card.handles(Command(0x80, 0x12, 0, 0, bytes(32)))  # PAIR


# --- pairing ------------------------------------------------------------------------------------


class _PairingCard:
    """The card's half of PAIR (Keycard docs, PAIR), written out for the handshake tests."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.card_challenge = bytes(range(32))
        self.salt = bytes(range(32, 64))

    def step1(self, command: Command) -> Response:
        cryptogram = hashlib.sha256(self.secret + command.data).digest()
        return Response(cryptogram + self.card_challenge)

    def step2(self, command: Command) -> Response:
        assert command.data == hashlib.sha256(self.secret + self.card_challenge).digest()
        return Response(b"\x03" + self.salt)


def test_pairing_gives_index_and_key() -> None:
    secret = pairing_secret("KeycardDefaultPairing")
    card = _PairingCard(secret)
    handshake = PairingHandshake(secret, rng=_counting_rng())
    first = handshake.first_command()
    assert (first.cla, first.ins, first.p1, first.p2, first.nc) == (0x80, 0x12, 0, 0, 32)
    final = handshake.final_command(card.step1(first))
    assert (final.p1, final.nc) == (1, 32)
    pairing = handshake.finish(card.step2(final))
    assert pairing == Pairing(3, hashlib.sha256(secret + card.salt).digest())
    assert Pairing.parse(pairing.encode()) == pairing
    assert "hidden" in repr(pairing) and pairing.key.hex() not in repr(pairing)


def test_wrong_pairing_password_is_a_cryptogram_error() -> None:
    card = _PairingCard(pairing_secret("KeycardDefaultPairing"))
    handshake = PairingHandshake.from_password("not the password", rng=_counting_rng())
    with pytest.raises(CryptogramError, match="pairing password is probably wrong"):
        handshake.final_command(card.step1(handshake.first_command()))


@pytest.mark.parametrize(
    ("text", "problem"),
    [("0", "INDEX:KEY"), ("x:00", "INDEX:KEY"), ("1:0011", "32 bytes"), ("1:zz", "pairing key")],
)
def test_pairing_parse_errors(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        Pairing.parse(text)


@pytest.mark.parametrize("secret", [b"", bytes(31), bytes(33)])
def test_pairing_secret_must_be_32_bytes(secret: bytes) -> None:
    with pytest.raises(UsageError):
        PairingHandshake(secret)


def test_open_secure_channel_derives_the_card_keys() -> None:
    card_key = Secp256k1PrivateKey.generate(_counting_rng(3))
    pairing = Pairing(1, bytes(range(32)))
    opener = OpenSecureChannel(pairing, card_key.public_key, rng=_counting_rng(4))
    command = opener.command()
    assert (command.ins, command.p1, command.nc) == (0x10, 1, 65)
    salt, iv = bytes(range(100, 132)), bytes(range(16))
    session = opener.session(Response(salt + iv))
    shared = card_key.shared_secret(command.data)
    assert session.keys == derive_session_keys(shared, pairing.key, salt)
    assert session.iv == iv
    with pytest.raises(CryptogramError):
        opener.check_mutual_authentication(Response(bytes(31)))
    opener.check_mutual_authentication(Response(bytes(32)))
    with pytest.raises(DecodeError):
        opener.session(Response(bytes(47)))


# --- application info ---------------------------------------------------------------------------


def test_application_info_full_template() -> None:
    # Keycard docs, SELECT: A4 { 8F uid, 80 key, 02 version, 02 free slots, 8E key UID, 8D caps }
    body = (
        b"\x8f\x10" + bytes(16) + b"\x80\x41\x04" + bytes(64) + b"\x02\x02\x03\x01"
        b"\x02\x01\x05" + b"\x8e\x00" + b"\x8d\x01\x07"
    )
    info = ApplicationInfo.decode(b"\xa4" + bytes((len(body),)) + body)
    assert (info.version, info.version_text, info.free_slots) == (0x0301, "3.1", 5)
    assert (info.key_uid, info.capabilities, info.initialized) == (b"", 7, True)
    assert info.public_key == b"\x04" + bytes(64)


def test_application_info_pre_initialised() -> None:
    info = ApplicationInfo.decode(b"\x80\x41\x04" + bytes(64))
    assert not info.initialized and info.public_key[0] == 4


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=120))
def test_application_info_any_bytes(raw: bytes) -> None:
    try:
        info = ApplicationInfo.decode(raw)
    except DecodeError:
        return
    assert isinstance(info.public_key, bytes)


# --- secp256k1 ----------------------------------------------------------------------------------

ecdsa = pytest.importorskip("ecdsa")


def test_ecdh_agrees_with_python_ecdsa() -> None:
    ours = Secp256k1PrivateKey.generate(_counting_rng(11))
    other = ecdsa.SigningKey.generate(curve=ecdsa.SECP256k1, entropy=_counting_rng(12))
    other_public = b"\x04" + other.get_verifying_key().to_string()
    expected = ecdsa.ECDH(curve=ecdsa.SECP256k1, private_key=other)
    expected.load_received_public_key_bytes(ours.public_key)
    assert ours.shared_secret(other_public) == expected.generate_sharedsecret_bytes()


def test_ecdsa_signature_verifies_in_python_ecdsa_with_low_s() -> None:
    key = Secp256k1PrivateKey.generate(_counting_rng(13))
    for n in range(8):
        digest = hashlib.sha256(bytes([n])).digest()
        signature = key.sign_digest(digest)
        verifier = ecdsa.VerifyingKey.from_string(key.public_key, curve=ecdsa.SECP256k1)
        assert verifier.verify_digest(signature, digest, sigdecode=ecdsa.util.sigdecode_der)
        _r, s = ecdsa.util.sigdecode_der(signature, CURVE_ORDER)
        assert s <= CURVE_ORDER // 2
        verify_digest(key.public_key, digest, signature)
        with pytest.raises(CryptogramError):
            verify_digest(key.public_key, bytes(32), signature)


@pytest.mark.parametrize(
    "public_key", [b"", b"\x04" + bytes(64), b"\x02" + bytes(32), b"\x04" + bytes(63)]
)
def test_bad_public_keys_are_decode_errors(public_key: bytes) -> None:
    key = Secp256k1PrivateKey.generate(os.urandom)
    with pytest.raises(DecodeError):
        key.shared_secret(public_key)


def test_private_key_rejects_out_of_range_scalars() -> None:
    for scalar in (bytes(32), CURVE_ORDER.to_bytes(32, "big"), b"\x01"):
        with pytest.raises(UsageError):
            Secp256k1PrivateKey(scalar)
    assert "hidden" in repr(Secp256k1PrivateKey(b"\x00" * 31 + b"\x01"))
