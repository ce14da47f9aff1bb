"""NIST SP 800-108 counter-mode KDF with AES-CMAC, and its SCP03 form (GP Amendment D 4.1.5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.crypto.cmac import aes_cmac
from cardwire.crypto.kdf_sp800108 import kdf_counter_cmac, scp03_kdf
from cardwire.errors import UsageError

VECTORS = Path(__file__).parent.parent / "vectors"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text())
    assert data["source"]
    return data


NIST = _load("scp03_kdf_nist_kbkdf_ctr.json")
PYSIM = _load("scp03_pysim_sessions.json")


@pytest.mark.parametrize(
    "vector", NIST["vectors"], ids=lambda v: f"{v['prf']}-count{v['count']}-L{v['l_bits']}"
)
def test_nist_cavp_middle_fixed_8_bit_counter(vector: dict[str, Any]) -> None:
    # NIST CAVP KDFCTR_gen (via pyca/cryptography vectors/cryptography_vectors/KDF/
    # nist-800-108-KBKDF-CTR.txt), [CTRLOCATION=MIDDLE_FIXED] [RLEN=8_BITS].
    key = bytes.fromhex(vector["ki"])
    out = kdf_counter_cmac(
        key,
        bytes.fromhex(vector["before"]),
        bytes.fromhex(vector["after"]),
        vector["l_bits"] // 8,
    )
    assert out == bytes.fromhex(vector["ko"])


@pytest.mark.parametrize("before", [b"", b"\x01\x02\x03"])
def test_counter_sits_between_before_and_after(before: bytes) -> None:
    # SP 800-108 4.1: K(i) = PRF(KI, before || [i]_8 || after), counter first when before is
    # empty (the GlobalPlatformPro "kdf3" layout of sm/scp03/_keys.py).
    key, after = bytes(range(16)), b"fixed data after"
    blocks = [aes_cmac(key, before + bytes((i,)) + after) for i in (1, 2, 3)]
    assert kdf_counter_cmac(key, before, after, 40) == b"".join(blocks)[:40]


@pytest.mark.parametrize("size", [0, 15, 17, 33])
def test_counter_kdf_rejects_a_key_that_is_not_aes(size: int) -> None:
    with pytest.raises(UsageError, match="AES key"):
        kdf_counter_cmac(bytes(size), b"", b"", 16)


def _session(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    session = next(s for s in PYSIM["sessions"] if s["name"] == name)
    return session, PYSIM["keysets"][session["keyset"]]


@pytest.mark.parametrize("name", [s["name"] for s in PYSIM["sessions"]])
def test_scp03_cryptograms_of_recorded_sessions(name: str) -> None:
    # osmocom/pysim tests/unittests/test_globalplatform.py: the card cryptogram in the
    # INITIALIZE UPDATE answer and the host cryptogram in EXTERNAL AUTHENTICATE, derived by hand
    # here with the KDF alone (S-MAC = KDF(K-MAC, 06), cryptograms = KDF(S-MAC, 00 / 01, L=64)).
    session, keyset = _session(name)
    host_challenge = bytes.fromhex(session["init_upd_cmd"])[5:13]
    answer = bytes.fromhex(session["init_upd_rsp"])
    card_challenge, card_cryptogram = answer[13:21], answer[21:29]
    context = host_challenge + card_challenge
    k_mac = bytes.fromhex(keyset["mac"])
    s_mac = scp03_kdf(k_mac, 0x06, context, len(k_mac) * 8)
    assert scp03_kdf(s_mac, 0x00, context, 64) == card_cryptogram
    host_cryptogram = bytes.fromhex(session["ext_auth_cmd"])[5:13]
    assert scp03_kdf(s_mac, 0x01, context, 64) == host_cryptogram


def test_scp03_pseudo_random_card_challenge_of_a_recorded_session() -> None:
    # Same source: i = 70 announces a pseudo-random challenge = KDF(K-ENC, 02, L=64,
    # sequence counter || AID) (GP Amendment D 6.2.2.1).
    session, keyset = _session("SCP03_Test_AES128_11")
    answer = bytes.fromhex(session["init_upd_rsp"])
    context = answer[29:32] + bytes.fromhex(PYSIM["card_aid"])
    assert scp03_kdf(bytes.fromhex(keyset["enc"]), 0x02, context, 64) == answer[13:21]


def test_scp03_derivation_data_layout() -> None:
    # GP Amendment D 4.1.5: 11 x 00 || constant || 00 || L (2 bytes) || i (1 byte) || context.
    key, context = bytes(range(16)), bytes.fromhex("0102030405060708")
    manual = aes_cmac(key, bytes(11) + b"\x04" + b"\x00" + b"\x00\x80" + b"\x01" + context)
    assert scp03_kdf(key, 0x04, context, 128) == manual
    second = aes_cmac(key, bytes(11) + b"\x04" + b"\x00" + b"\x01\x00" + b"\x02" + context)
    assert scp03_kdf(key, 0x04, context, 256)[16:] == second


@given(st.integers(min_value=1, max_value=64), st.binary(max_size=40))
def test_output_is_a_prefix_of_a_longer_output_with_same_fixed_data(
    length: int, after: bytes
) -> None:
    key = bytes(16)
    assert (
        kdf_counter_cmac(key, b"x", after, length)
        == kdf_counter_cmac(key, b"x", after, 64)[:length]
    )


@pytest.mark.parametrize(
    ("constant", "bits"),
    [(0x100, 64), (-1, 64), (0x04, 0), (0x04, 12), (0x04, 0x10000)],
)
def test_scp03_kdf_rejects_bad_parameters(constant: int, bits: int) -> None:
    with pytest.raises(UsageError):
        scp03_kdf(bytes(16), constant, b"", bits)


@pytest.mark.parametrize("length", [0, -1, 16 * 255 + 1])
def test_counter_kdf_rejects_bad_lengths(length: int) -> None:
    with pytest.raises(UsageError):
        kdf_counter_cmac(bytes(16), b"", b"", length)


def test_longest_output_for_an_8_bit_counter() -> None:
    assert len(kdf_counter_cmac(bytes(16), b"", b"", 16 * 255)) == 16 * 255
