"""PACE Generic Mapping (ICAO Doc 9303-11 4.4).

Known answers: the worked examples of ICAO Doc 9303-11 Appendix G.1 (ECDH, brainpoolP256r1) and
G.2 (DH, RFC 5114 1024-bit group) step by step, in tests/vectors/pace_icao_9303_11_appendix_g1.json
(as quoted by ZeroPass/dmrtd test/pace_test_ecdh.dart and gmrtd/gmrtd pace/pace_test.go) and
tests/vectors/pace_icao_9303_11_appendix_g2.json (ZeroPass/dmrtd test/pace_test_dh.dart and
test/kdf_test.dart); a 3DES exchange recorded with a real passport in
tests/vectors/pace_gmrtd_ecdh_tdes.json (gmrtd/gmrtd pace/pace_test.go
TestDoPace_GM_ECDH_TDES_CBC_NZ). Then host against card for every group, cipher and password.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardwire import tlv
from cardwire.apdu import Command, Response
from cardwire.crypto.kdf_icao import KeyType
from cardwire.errors import (
    CardwireError,
    CryptogramError,
    DecodeError,
    SessionClosedError,
    StatusError,
    UsageError,
)
from cardwire.sm.base import Rng
from cardwire.sm.card_access import PaceInfo, parse_card_access
from cardwire.sm.pace import (
    ALGORITHMS,
    SUPPORTED_PARAMETER_IDS,
    DhModpGroup,
    EcGroup,
    PaceCard,
    PaceGroup,
    PaceHost,
    PaceOutcome,
    PacePassword,
    PasswordType,
    SessionKeys,
    algorithm_for,
    authentication_token,
    decrypt_nonce,
    domain_parameters,
    encrypt_nonce,
    mse_set_at,
    parse_set_at,
)

VECTORS = Path(__file__).parent.parent / "vectors"
G1: dict[str, Any] = json.loads((VECTORS / "pace_icao_9303_11_appendix_g1.json").read_text())
G2: dict[str, Any] = json.loads((VECTORS / "pace_icao_9303_11_appendix_g2.json").read_text())
TDES: dict[str, Any] = json.loads((VECTORS / "pace_gmrtd_ecdh_tdes.json").read_text())
WORKED = [pytest.param(G1, id="G.1-ecdh"), pytest.param(G2, id="G.2-dh")]
RECORDED = [*WORKED, pytest.param(TDES, id="gmrtd-3des")]
h = bytes.fromhex


def scripted(*values: str) -> Rng:
    """An rng that returns the given values in order (each must have the requested length)."""
    chunks: Iterator[bytes] = iter(h(v) for v in values)

    def rng(n: int) -> bytes:
        value = next(chunks)
        assert len(value) == n
        return value

    return rng


def seeded(seed: int) -> Rng:
    generator = random.Random(seed)
    return generator.randbytes


def mrz_password(v: dict[str, Any]) -> PacePassword:
    return PacePassword.from_mrz(v["document_number"], v["date_of_birth"], v["date_of_expiry"])


def pace_info(v: dict[str, Any]) -> PaceInfo:
    return parse_card_access(h(v["card_access"])).pace[0]


# --- the worked examples, step by step --------------------------------------------------------


def test_g1_password_key() -> None:
    # 9303-11 G.1: K = SHA-1(MRZ information) and K_pi = KDF(K, 3) for AES-128.
    password = mrz_password(G1)
    assert password.kind is PasswordType.MRZ
    assert password.secret == h(G1["password_secret"])
    assert password.key(KeyType.AES128) == h(G1["k_pi"])
    assert G1["password_secret"] not in repr(password).upper()


@pytest.mark.parametrize("v", WORKED)
def test_worked_example_step_by_step(v: dict[str, Any]) -> None:
    algorithm = algorithm_for(v["protocol"])
    group = domain_parameters(v["parameter_id"])
    key_type = algorithm.key_type
    k_pi = h(v["k_pi"])
    # Step 1: the nonce.
    assert decrypt_nonce(key_type, k_pi, h(v["encrypted_nonce"])) == h(v["nonce"])
    assert encrypt_nonce(key_type, k_pi, h(v["nonce"])) == h(v["encrypted_nonce"])
    # Step 2: mapping keys, the shared mapping secret H from both sides, the mapped generator.
    sk_map_ifd, sk_map_ic = (
        int(v["terminal_mapping_private"], 16),
        int(v["chip_mapping_private"], 16),
    )
    assert group.public_key(sk_map_ifd, group.generator) == h(v["terminal_mapping_public"])
    assert group.public_key(sk_map_ic, group.generator) == h(v["chip_mapping_public"])
    secret = group.mapping_secret(sk_map_ifd, h(v["chip_mapping_public"]))
    assert secret == h(v["mapping_secret"])
    assert group.mapping_secret(sk_map_ic, h(v["terminal_mapping_public"])) == secret
    mapped = group.map_generator(h(v["nonce"]), secret)
    assert mapped == h(v["mapped_generator"])
    # Step 3: ephemeral keys on the mapped generator and the shared secret K from both sides.
    sk_ifd, sk_ic = int(v["terminal_private"], 16), int(v["chip_private"], 16)
    assert group.public_key(sk_ifd, mapped) == h(v["terminal_public"])
    assert group.public_key(sk_ic, mapped) == h(v["chip_public"])
    shared = group.shared_secret(sk_ifd, h(v["chip_public"]))
    assert shared == h(v["shared_secret"])
    assert group.shared_secret(sk_ic, h(v["terminal_public"])) == shared
    keys = SessionKeys.derive(key_type, shared)
    assert (keys.ks_enc, keys.ks_mac) == (h(v["ks_enc"]), h(v["ks_mac"]))
    assert v["ks_mac"] not in repr(keys).upper()
    # Step 4: the authentication tokens over the other side's public key data object 7F49.
    terminal_input = group.public_key_data(algorithm, h(v["chip_public"]))
    chip_input = group.public_key_data(algorithm, h(v["terminal_public"]))
    assert terminal_input == h(v["token_input_terminal"])
    assert chip_input == h(v["token_input_chip"])
    assert authentication_token(key_type, keys.ks_mac, terminal_input) == h(v["token_terminal"])
    assert authentication_token(key_type, keys.ks_mac, chip_input) == h(v["token_chip"])


@pytest.mark.parametrize("v", RECORDED)
def test_host_replays_the_recorded_exchange(v: dict[str, Any]) -> None:
    rng = scripted(v["terminal_mapping_private"], v["terminal_private"])
    host = PaceHost(mrz_password(v), pace_info(v), rng)
    command: Command | None = host.start()
    for sent, answer in v["exchange"]:
        assert command is not None
        assert command.encode() == h(sent)
        command = host.receive(Response.decode(h(answer)))
    assert command is None
    result = host.result
    assert (result.keys.ks_enc, result.keys.ks_mac) == (h(v["ks_enc"]), h(v["ks_mac"]))
    assert result.session.active
    width = 8 if result.keys.key_type is KeyType.TDES else 16
    assert result.session.ssc == bytes(width)  # 9303-11 9.8.2: PACE starts SM with SSC 0
    assert result.car == tuple(h(car) for car in v.get("car", []))
    chip_answer = tlv.parse_one(h(v["exchange"][3][1])[:-2]).children[0]
    assert result.chip_public_key == chip_answer.value


@pytest.mark.parametrize("v", WORKED)
def test_card_replays_the_worked_example(v: dict[str, Any]) -> None:
    rng = scripted(v["nonce"], v["chip_mapping_private"], v["chip_private"])
    cars = [h(car) for car in v.get("car", [])]
    card = PaceCard([pace_info(v)], {PasswordType.MRZ: mrz_password(v)}, rng, car=cars)
    for sent, answer in v["exchange"]:
        assert card.outcome is not PaceOutcome.ESTABLISHED
        assert card.process(Command.decode(h(sent))).encode() == h(answer)
    assert card.outcome is PaceOutcome.ESTABLISHED
    assert card.keys is not None
    assert (card.keys.ks_enc, card.keys.ks_mac) == (h(v["ks_enc"]), h(v["ks_mac"]))
    assert card.session is not None
    assert card.session.ssc == bytes(16)


def test_mse_set_at_with_parameter_id() -> None:
    # 9303-11 4.4.4.1: tag 84 names the domain parameters when the chip offers several.
    command = mse_set_at(algorithm_for(G1["protocol"]), PasswordType.CAN, 13)
    assert command.encode() == h("0022C1A412800A04007F00070202040202830102840 10D".replace(" ", ""))
    host = PaceHost(
        PacePassword.from_text(PasswordType.CAN, "123456"),
        pace_info(G1),
        seeded(1),
        announce_parameter_id=True,
    )
    assert host.start().data.endswith(h("84010D"))


def test_parse_set_at_reads_what_mse_set_at_sends() -> None:
    command = mse_set_at(algorithm_for(G1["protocol"]), PasswordType.CAN, 13)
    request = parse_set_at(command.data)
    assert request.protocol == algorithm_for(G1["protocol"]).oid_content
    assert (request.password, request.parameter_id) == (PasswordType.CAN, 13)
    assert parse_set_at(mse_set_at(algorithm_for(G1["protocol"]), PasswordType.PIN).data) == (
        replace(request, password=PasswordType.PIN, parameter_id=None)
    )


@pytest.mark.parametrize(
    "data",
    [
        "830102",  # no protocol (80)
        "800A04007F00070202040202",  # no password (83)
        "800A04007F0007020204020283020002",  # a two-byte password reference
        "800A04007F000702020402028301028402000D",  # a two-byte parameter id
        "800A04007F00070202040202830102830102",  # 83 twice
        "800A04007F000702020402028301029100",  # an object 9303-11 4.4.4.1 does not name
    ],
)
def test_parse_set_at_refuses_what_4_4_4_1_does_not_allow(data: str) -> None:
    with pytest.raises(DecodeError):
        parse_set_at(h(data))


# --- host against card --------------------------------------------------------------------------

CIPHERS = {KeyType.TDES: 1, KeyType.AES128: 2, KeyType.AES192: 3, KeyType.AES256: 4}
PASSWORDS = {
    PasswordType.MRZ: PacePassword.from_mrz("L898902C<", "690806", "940623"),
    PasswordType.CAN: PacePassword.from_text(PasswordType.CAN, "123456"),
    PasswordType.PIN: PacePassword.from_text(PasswordType.PIN, "1234"),
    PasswordType.PUK: PacePassword.from_text(PasswordType.PUK, "12345678"),
}


def info_for(parameter_id: int, key_type: KeyType) -> PaceInfo:
    agreement_arc = 1 if parameter_id <= 2 else 2  # 9303-11 9.2.1: DH-GM .1, ECDH-GM .2
    return PaceInfo(f"0.4.0.127.0.7.2.2.4.{agreement_arc}.{CIPHERS[key_type]}", 2, parameter_id)


def run(
    host: PaceHost, card: PaceCard, tamper: Callable[[int, bytes], bytes] | None = None
) -> Response | None:
    """Drive host and card; ``tamper(index, raw)`` may alter message ``index`` (even: command,
    odd: response). Returns the last response, or None after success."""
    command: Command | None = host.start()
    index = 0
    while command is not None:
        raw = command.encode()
        if tamper is not None:
            raw = tamper(index, raw)
        response = card.process(Command.decode(raw))
        raw_response = response.encode()
        if tamper is not None:
            raw_response = tamper(index + 1, raw_response)
        index += 2
        command = host.receive(Response.decode(raw_response))
    return None


def check_secure_messaging(host: PaceHost, card: PaceCard) -> None:
    session = host.result.session
    card_session = card.session
    assert card_session is not None
    protected = session.protect(Command(0x00, 0xB0, 0x00, 0x00, ne=4))
    plain = card_session.unwrap(protected)
    assert (plain.ins, plain.ne) == (0xB0, 4)
    answer = session.unprotect(card_session.wrap(Response(b"\x01\x02\x03\x04")))
    assert answer == Response(b"\x01\x02\x03\x04")


@pytest.mark.parametrize("key_type", list(CIPHERS), ids=[k.value for k in CIPHERS])
@pytest.mark.parametrize("parameter_id", SUPPORTED_PARAMETER_IDS)
def test_host_and_card_for_every_group_and_cipher(parameter_id: int, key_type: KeyType) -> None:
    kind = list(PASSWORDS)[(parameter_id + CIPHERS[key_type]) % 4]  # vary the password too
    info = info_for(parameter_id, key_type)
    host = PaceHost(PASSWORDS[kind], info, seeded(parameter_id))
    card = PaceCard([info], {kind: PASSWORDS[kind]}, seeded(1000 + parameter_id))
    run(host, card)
    assert card.outcome is PaceOutcome.ESTABLISHED
    assert card.password_type is kind
    assert card.keys == host.result.keys
    assert (
        len(host.result.keys.ks_enc)
        == {"3des": 16, "aes128": 16, "aes192": 24, "aes256": 32}[key_type.value]
    )
    check_secure_messaging(host, card)


@pytest.mark.parametrize("kind", list(PasswordType), ids=[k.name for k in PasswordType])
def test_every_password_type(kind: PasswordType) -> None:
    info = info_for(0, KeyType.AES128)
    host = PaceHost(PASSWORDS[kind], info, seeded(5))
    card = PaceCard([info], PASSWORDS, seeded(6))
    run(host, card)
    assert card.password_type is kind
    assert mse_set_at(algorithm_for(info.protocol), kind).data.endswith(bytes((0x83, 1, kind)))


def test_card_chooses_among_several_infos_by_parameter_id() -> None:
    infos = [info_for(13, KeyType.AES128), info_for(12, KeyType.AES128)]
    host = PaceHost(PASSWORDS[PasswordType.CAN], infos[1], seeded(7), announce_parameter_id=True)
    card = PaceCard(infos, PASSWORDS, seeded(8))
    run(host, card)
    assert card.outcome is PaceOutcome.ESTABLISHED


def test_wrong_password_fails_with_6300_on_both_sides() -> None:
    info = info_for(0, KeyType.AES128)
    wrong = PacePassword.from_text(PasswordType.CAN, "654321")
    host = PaceHost(wrong, info, seeded(9))
    card = PaceCard([info], PASSWORDS, seeded(10))
    with pytest.raises(StatusError) as error:
        run(host, card)
    assert error.value.sw == 0x6300
    assert card.outcome is PaceOutcome.AUTHENTICATION_FAILED
    assert card.password_type is PasswordType.CAN
    assert card.session is None
    with pytest.raises(SessionClosedError):
        host.receive(Response())


def test_host_rejects_a_wrong_chip_token() -> None:
    info = info_for(0, KeyType.AES128)
    host = PaceHost(PASSWORDS[PasswordType.PIN], info, seeded(11))
    card = PaceCard([info], PASSWORDS, seeded(12))

    def flip_last_token(index: int, raw: bytes) -> bytes:
        return raw[:-3] + bytes((raw[-3] ^ 0x01,)) + raw[-2:] if index == 9 else raw

    with pytest.raises(CryptogramError):
        run(host, card, flip_last_token)
    assert card.outcome is PaceOutcome.ESTABLISHED  # the chip cannot know; the terminal stops
    with pytest.raises(UsageError):
        _ = host.result


# --- card status words ---------------------------------------------------------------------------

INFO = info_for(0, KeyType.AES128)
MSE = mse_set_at(algorithm_for(INFO.protocol), PasswordType.CAN)
GA_1 = Command(0x10, 0x86, 0, 0, h("7C00"), 256)


def fresh_card(*, after_mse: bool) -> PaceCard:
    card = PaceCard([INFO], {PasswordType.CAN: PASSWORDS[PasswordType.CAN]}, seeded(13))
    if after_mse:
        assert card.process(MSE).sw == 0x9000
    return card


@pytest.mark.parametrize(
    ("after_mse", "command", "sw"),
    [
        (False, GA_1, 0x6985),  # GENERAL AUTHENTICATE before MSE:Set AT
        (True, Command(0x10, 0x86, 0, 1, h("7C00"), 256), 0x6A86),  # P2 not 00
        (True, Command(0x10, 0x86, 0, 0, h("7C0180"), 256), 0x6A80),  # malformed 7C
        (True, Command(0x10, 0x86, 0, 0, h("7D00"), 256), 0x6A80),  # not 7C
        (True, Command(0x10, 0x86, 0, 0, h("7C028100"), 256), 0x6A80),  # data in step 1
        (False, Command(0x00, 0x22, 0xC1, 0xA4, h("800A04007F00070202040202830102")), 0x6A80),
        (False, Command(0x00, 0x22, 0xC1, 0xA4, h("800A04007F00070202040102830103")), 0x6A88),
        (False, Command(0x00, 0x22, 0xC1, 0xA4, h("800A04007F00070202040102830109")), 0x6A80),
        (False, Command(0x00, 0x22, 0xC1, 0xA4, h("800A04007F0007020204010284010D")), 0x6A80),
        (False, Command(0x00, 0x22, 0x81, 0xA4, MSE.data), 0x6A86),
        (False, Command(0x00, 0x22, 0xC1, 0xA4, MSE.data + h("9100")), 0x6A80),
        (False, Command(0x00, 0x22, 0xC1, 0xA4, MSE.data + h("8301")), 0x6A80),
        (False, Command(0x00, 0x84, 0, 0, ne=8), 0x6D00),
    ],
)
def test_card_status_words(after_mse: bool, command: Command, sw: int) -> None:
    card = fresh_card(after_mse=after_mse)
    assert card.process(command).sw == sw
    assert card.session is None


def test_card_accepts_and_ignores_an_eid_chat() -> None:
    card = fresh_card(after_mse=False)
    chat = h("7F4C0E060904007F000703010203530103")
    assert card.process(Command(0x00, 0x22, 0xC1, 0xA4, MSE.data + chat)).sw == 0x9000
    assert card.outcome is PaceOutcome.RUNNING


def test_card_rejects_an_invalid_mapping_key() -> None:
    card = fresh_card(after_mse=True)
    assert card.process(GA_1).sw == 0x9000
    bad = Command(0x10, 0x86, 0, 0, h("7C8183818180") + bytes(127) + b"\x01", 256)  # y = 1
    assert card.process(bad).sw == 0x6A80
    assert card.outcome is PaceOutcome.ABORTED
    assert card.process(GA_1).sw == 0x6985  # the exchange must restart with MSE:Set AT


def test_host_rejects_its_own_key_reflected_by_the_chip() -> None:
    # 9303-11 4.4.3.3.2: the ephemeral public keys of both sides must differ.
    host = PaceHost(PASSWORDS[PasswordType.CAN], INFO, seeded(18))
    card = fresh_card(after_mse=False)
    sent: dict[int, bytes] = {}

    def reflect(index: int, raw: bytes) -> bytes:
        sent[index] = raw
        if index != 7:
            return raw
        terminal_key = tlv.parse_one(Command.decode(sent[6]).data).children[0].value
        return tlv.tlv(0x7C, tlv.tlv(0x84, terminal_key)) + b"\x90\x00"

    with pytest.raises(CryptogramError, match="equals"):
        run(host, card, reflect)


def test_card_answers_6985_after_establishment() -> None:
    host = PaceHost(PASSWORDS[PasswordType.CAN], INFO, seeded(14))
    card = fresh_card(after_mse=False)
    run(host, card)
    assert card.process(GA_1).sw == 0x6985
    assert card.outcome is PaceOutcome.ABORTED


# --- host usage errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "info",
    [
        PaceInfo("0.4.0.127.0.7.2.2.4.4.2", 2, 13),  # Integrated Mapping
        PaceInfo("0.4.0.127.0.7.2.2.4.6.2", 2, 13),  # Chip Authentication Mapping
        PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 1, 13),  # version 1
        PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, None),  # proprietary domain parameters
        PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 0),  # ECDH OID with a DH group
        PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 14),  # brainpoolP320r1: not supported
        PaceInfo("0.4.0.127.0.7.2.2.4.9.9", 2, 13),  # unknown OID
    ],
)
def test_unsupported_setups_are_usage_errors(info: PaceInfo) -> None:
    with pytest.raises(UsageError):
        PaceHost(PASSWORDS[PasswordType.CAN], info, seeded(0))
    with pytest.raises(UsageError):
        PaceCard([info], PASSWORDS, seeded(0))


def test_host_call_order() -> None:
    host = PaceHost(PASSWORDS[PasswordType.CAN], INFO, seeded(15))
    with pytest.raises(UsageError):
        host.receive(Response())
    host.start()
    with pytest.raises(UsageError):
        host.start()
    with pytest.raises(StatusError) as error:
        host.receive(Response(sw=0x6A80))
    assert error.value.command is not None
    with pytest.raises(SessionClosedError):
        host.receive(Response())


@pytest.mark.parametrize(
    ("kind", "text"), [(PasswordType.MRZ, "x"), (PasswordType.CAN, ""), (PasswordType.PIN, "€")]
)
def test_password_usage_errors(kind: PasswordType, text: str) -> None:
    with pytest.raises(UsageError):
        PacePassword.from_text(kind, text)


def test_algorithm_table() -> None:
    assert len(ALGORITHMS) == 4 * 4 + 3  # GM/IM over DH/ECDH with 4 ciphers, CAM with AES
    algorithm = algorithm_for("0.4.0.127.0.7.2.2.4.2.2")
    assert algorithm.oid_content == h("04007F00070202040202")  # 9303-11 G.1, MSE tag 80
    with pytest.raises(UsageError):
        domain_parameters(3)


# --- robustness ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40), st.integers(min_value=0, max_value=3))
def test_card_answers_any_command_with_a_status_word(data: bytes, steps: int) -> None:
    host = PaceHost(PASSWORDS[PasswordType.CAN], INFO, seeded(16))
    card = fresh_card(after_mse=False)
    command: Command | None = host.start()
    for _ in range(steps):  # advance to an arbitrary step first
        assert command is not None
        command = host.receive(card.process(command))
    for ins in (0x22, 0x86):
        try:
            response = card.process(
                Command(0x10, ins, 0xC1 if ins == 0x22 else 0, 0xA4 if ins == 0x22 else 0, data)
            )
        except CardwireError as exc:  # pragma: no cover - the card must never raise
            pytest.fail(f"the card raised {exc!r}")
        assert 0x6000 <= response.sw <= 0x9000


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80), st.integers(min_value=0, max_value=4))
def test_host_handles_any_answer_with_a_typed_error(data: bytes, steps: int) -> None:
    host = PaceHost(PASSWORDS[PasswordType.CAN], INFO, seeded(17))
    card = fresh_card(after_mse=False)
    command: Command | None = host.start()
    for _ in range(steps):
        assert command is not None
        command = host.receive(card.process(command))
    with contextlib.suppress(DecodeError, CryptogramError, StatusError):
        host.receive(Response(data))


# --- failures outside the listed error types ----------------------------------------------------


def exhausted_after(good_draws: int, seed: int) -> Rng:
    """Gives ``good_draws`` seeded draws, then only zeros (no private key can be drawn from it,
    so the group raises UsageError after its rejection-sampling rounds)."""
    source = random.Random(seed)
    calls = 0

    def rng(n: int) -> bytes:
        nonlocal calls
        calls += 1
        return source.randbytes(n) if calls <= good_draws else bytes(n)

    return rng


@pytest.mark.parametrize(
    "good_draws",
    [0, 1],  # 0: fails drawing the mapping key (step NONCE); 1: the ephemeral key (MAPPING)
)
def test_host_any_cardwire_error_ends_the_exchange(good_draws: int) -> None:
    host = PaceHost(PASSWORDS[PasswordType.CAN], INFO, exhausted_after(good_draws, 19))
    card = fresh_card(after_mse=False)
    command: Command | None = host.start()
    with pytest.raises(UsageError, match="random generator"):
        while command is not None:
            command = host.receive(card.process(command))
    with pytest.raises(SessionClosedError):  # not resumed half-way
        host.receive(Response())
    assert "failed" in repr(host)


def group_order(group: PaceGroup) -> int:
    return group.curve.n if isinstance(group, EcGroup) else cast(DhModpGroup, group).group.q


def infinity_mapping_key(group: PaceGroup, nonce: int, chip_private: int) -> bytes:
    """The terminal mapping key K with chip_private * K = -nonce * G, so that the chip's mapped
    generator s*G + H (g^s * h for DH) is the neutral element (9303-11 4.4.3.3.1)."""
    order = group_order(group)
    exponent = (-nonce * pow(chip_private, -1, order)) % order
    return group.public_key(exponent, group.generator)


@pytest.mark.parametrize("parameter_id", [0, 13])  # DH 1024-bit, brainpoolP256r1
def test_card_answers_6a80_when_the_mapping_reaches_the_neutral_element(parameter_id: int) -> None:
    info = info_for(parameter_id, KeyType.AES128)
    group = domain_parameters(parameter_id)
    nonce, chip_private = 0x0123456789ABCDEF0123456789ABCDEF, 0x1234567
    private_size = (group_order(group).bit_length() + 7) // 8
    rng = scripted(f"{nonce:032X}", f"{chip_private:0{2 * private_size}X}")
    card = PaceCard([info], {PasswordType.CAN: PASSWORDS[PasswordType.CAN]}, rng)
    assert card.process(mse_set_at(algorithm_for(info.protocol), PasswordType.CAN)).sw == 0x9000
    assert card.process(GA_1).sw == 0x9000
    mapping = tlv.tlv(0x7C, tlv.tlv(0x81, infinity_mapping_key(group, nonce, chip_private)))
    assert card.process(Command(0x10, 0x86, 0, 0, mapping, 256)).sw == 0x6A80
    assert card.outcome is PaceOutcome.ABORTED
    assert card.process(GA_1).sw == 0x6985  # the exchange must restart with MSE:Set AT
