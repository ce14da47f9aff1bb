"""RFC 5114 MODP groups: structure of the constants (primes, subgroup order), public value
validation, and the DH values of ICAO Doc 9303-11 Appendix G.2 (values in
tests/vectors/pace_icao_9303_11_appendix_g2.json, as quoted by ZeroPass/dmrtd
test/pace_test_dh.dart)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardwire.crypto import dh_groups
from cardwire.crypto.dh_groups import GROUPS, MODP_1024_160, DhGroup
from cardwire.errors import DecodeError, UsageError

G2 = json.loads(
    (Path(__file__).parent.parent / "vectors" / "pace_icao_9303_11_appendix_g2.json").read_text()
)
h = bytes.fromhex


def probably_prime(n: int) -> bool:
    """Miller-Rabin with the first twelve prime bases (enough to catch a typo in a constant)."""
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    if n < 2 or any(n % b == 0 for b in bases):
        return n in bases
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for base in bases:
        x = pow(base, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


@pytest.mark.parametrize(
    ("name", "p_bits", "q_bits"),
    [("modp1024-160", 1024, 160), ("modp2048-224", 2048, 224), ("modp2048-256", 2048, 256)],
)
def test_group_structure(name: str, p_bits: int, q_bits: int) -> None:
    # RFC 5114 2.1-2.3: p prime, q prime dividing p - 1, g of order q.
    group = GROUPS[name]
    assert group.p.bit_length() == p_bits
    assert group.q.bit_length() == q_bits
    assert probably_prime(group.p)
    assert probably_prime(group.q)
    assert (group.p - 1) % group.q == 0
    assert group.g != 1
    assert pow(group.g, group.q, group.p) == 1
    assert group.size == p_bits // 8
    assert repr(group) == f"DhGroup({name})"


@pytest.mark.parametrize(
    ("private", "public"),
    [
        ("terminal_mapping_private", "terminal_mapping_public"),
        ("chip_mapping_private", "chip_mapping_public"),
    ],
)
def test_icao_g2_mapping_keys(private: str, public: str) -> None:
    value = dh_groups.public_value(MODP_1024_160, MODP_1024_160.g, int(G2[private], 16))
    assert dh_groups.encode_value(MODP_1024_160, value) == h(G2[public])


def test_icao_g2_mapped_generator_and_shared_secret() -> None:
    # ICAO 9303-11 Appendix G.2: h = PK_map,IC ^ SK_map,IFD, g~ = g^s * h, K = PK_IC ^ SK_IFD.
    group = MODP_1024_160
    chip_mapping = dh_groups.decode_value(group, h(G2["chip_mapping_public"]))
    secret = pow(chip_mapping, int(G2["terminal_mapping_private"], 16), group.p)
    assert dh_groups.encode_value(group, secret) == h(G2["mapping_secret"])
    mapped = pow(group.g, int(G2["nonce"], 16), group.p) * secret % group.p
    assert dh_groups.encode_value(group, mapped) == h(G2["mapped_generator"])
    terminal_public = dh_groups.public_value(group, mapped, int(G2["terminal_private"], 16))
    assert dh_groups.encode_value(group, terminal_public) == h(G2["terminal_public"])
    chip_public = dh_groups.decode_value(group, h(G2["chip_public"]))
    shared = pow(chip_public, int(G2["terminal_private"], 16), group.p)
    assert dh_groups.encode_value(group, shared) == h(G2["shared_secret"])


@pytest.mark.parametrize("group", list(GROUPS.values()), ids=list(GROUPS))
def test_invalid_public_values_are_rejected(group: DhGroup) -> None:
    for value in (0, 1, group.p - 1, group.p, group.p + 5):
        with pytest.raises(DecodeError):
            dh_groups.check_public_value(group, value)
    # An element outside the order-q subgroup: g * (a generator of a different subgroup).
    outside = next(v for v in range(2, 50) if pow(v, group.q, group.p) != 1)
    with pytest.raises(DecodeError, match="subgroup"):
        dh_groups.check_public_value(group, outside)
    assert dh_groups.check_public_value(group, group.g) == group.g


def test_decode_value_accepts_minimal_encodings_and_rejects_long_ones() -> None:
    group = MODP_1024_160
    value = dh_groups.public_value(group, group.g, 3)
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    assert dh_groups.decode_value(group, raw) == value
    with pytest.raises(DecodeError):
        dh_groups.decode_value(group, b"\x00" + dh_groups.encode_value(group, value))
    with pytest.raises(DecodeError):
        dh_groups.decode_value(group, b"")


@pytest.mark.parametrize("private", [0, MODP_1024_160.q, -1])
def test_private_exponent_out_of_range(private: int) -> None:
    with pytest.raises(UsageError):
        dh_groups.public_value(MODP_1024_160, MODP_1024_160.g, private)


def test_private_exponents_are_bounded_by_q_alone() -> None:
    # ICAO 9303-11 G.2: every private key of the worked example is a 160-bit value below the
    # 160-bit q: the bound is q itself (public_value checks it), no separate exponent size.
    q = MODP_1024_160.q
    for name in ("terminal_mapping_private", "chip_mapping_private", "terminal_private"):
        private = int(G2[name], 16)
        assert 0 < private < q
        assert len(h(G2[name])) == (q.bit_length() + 7) // 8
    assert not hasattr(MODP_1024_160, "exponent_size")


@settings(max_examples=100)
@given(st.binary(max_size=140))
def test_any_bytes_decode_to_a_subgroup_element_or_decode_error(data: bytes) -> None:
    group = MODP_1024_160
    try:
        value = dh_groups.decode_value(group, data)
    except DecodeError:
        return
    assert pow(value, group.q, group.p) == 1
