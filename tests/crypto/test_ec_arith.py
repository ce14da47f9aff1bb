"""Short-Weierstrass arithmetic: the curve constants and scalar multiplication checked against
``cryptography``'s implementations of the same curves (key derivation and ECDH), the group laws,
point encoding, and ICAO Doc 9303-11 Appendix G.1 (values in
tests/vectors/pace_icao_9303_11_appendix_g1.json, as quoted by ZeroPass/dmrtd
test/pace_test_ecdh.dart and gmrtd/gmrtd pace/pace_test.go)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from cardwire.crypto import ec_arith
from cardwire.crypto.ec_arith import CURVES, Curve, Point
from cardwire.errors import DecodeError, UsageError

G1 = json.loads(
    (Path(__file__).parent.parent / "vectors" / "pace_icao_9303_11_appendix_g1.json").read_text()
)
h = bytes.fromhex

THEIRS: dict[str, ec.EllipticCurve] = {
    "brainpoolP256r1": ec.BrainpoolP256R1(),
    "brainpoolP384r1": ec.BrainpoolP384R1(),
    "brainpoolP512r1": ec.BrainpoolP512R1(),
    "secp256r1": ec.SECP256R1(),
    "secp384r1": ec.SECP384R1(),
    "secp521r1": ec.SECP521R1(),
}
NAMES = sorted(CURVES)


def scalars(curve: Curve) -> list[int]:
    """Edge and ordinary scalars: 1, 2, 3, n-1, n-2 and a few spread over the range."""
    n = curve.n
    spread = [n // 3, n // 2 + 12345, (n * 7) // 9, 0xDEADBEEF, 1 << (n.bit_length() - 2)]
    return [1, 2, 3, n - 1, n - 2, *spread]


def their_public(name: str, scalar: int) -> bytes:
    key = ec.derive_private_key(scalar, THEIRS[name])
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


@pytest.mark.parametrize("name", NAMES)
def test_generator_multiples_match_cryptography(name: str) -> None:
    # Checks p, a, G and n together: every multiple of G agrees with OpenSSL's curve.
    curve = CURVES[name]
    for k in scalars(curve):
        point = ec_arith.multiply(curve, k, curve.generator)
        assert point is not None
        assert ec_arith.encode_point(curve, point) == their_public(name, k)


@pytest.mark.parametrize("name", NAMES)
def test_ecdh_with_other_points_matches_cryptography(name: str) -> None:
    curve = CURVES[name]
    ours_scalar, peer_scalar = curve.n // 5 + 77, curve.n // 7 + 1234567
    mine = ec.derive_private_key(ours_scalar, THEIRS[name])
    peer = ec.derive_private_key(peer_scalar, THEIRS[name]).public_key()
    expected = mine.exchange(ec.ECDH(), peer)
    peer_point = ec_arith.decode_point(
        curve, peer.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    shared = ec_arith.multiply(curve, ours_scalar, peer_point)
    assert shared is not None
    assert ec_arith.field_element_bytes(curve, shared.x) == expected


@pytest.mark.parametrize("name", NAMES)
def test_group_laws(name: str) -> None:
    curve = CURVES[name]
    g = curve.generator
    assert ec_arith.is_on_curve(curve, g)
    minus_g = ec_arith.multiply(curve, curve.n - 1, g)
    assert minus_g == ec_arith.negate(curve, g)
    assert ec_arith.add(curve, minus_g, g) is None  # n * G is the point at infinity
    assert ec_arith.add(curve, g, None) == g
    assert ec_arith.add(curve, None, g) == g
    assert ec_arith.add(curve, g, g) == ec_arith.double(curve, g)
    assert ec_arith.double(curve, None) is None
    assert ec_arith.multiply(curve, 0, g) is None
    assert ec_arith.multiply(curve, 5, None) is None
    three_g = ec_arith.add(curve, ec_arith.double(curve, g), g)
    assert three_g == ec_arith.multiply(curve, 3, g)


@settings(max_examples=25, deadline=None)
@given(a=st.integers(min_value=1), b=st.integers(min_value=1))
def test_scalar_multiplication_distributes(a: int, b: int) -> None:
    curve = ec_arith.BRAINPOOL_P256R1
    g = curve.generator
    left = ec_arith.multiply(curve, a + b, g)
    right = ec_arith.add(curve, ec_arith.multiply(curve, a, g), ec_arith.multiply(curve, b, g))
    assert left == right


def test_negative_scalar_is_a_usage_error() -> None:
    curve = ec_arith.NIST_P256
    with pytest.raises(UsageError):
        ec_arith.multiply(curve, -1, curve.generator)


@pytest.mark.parametrize(
    ("private", "public"),
    [
        ("terminal_mapping_private", "terminal_mapping_public"),
        ("chip_mapping_private", "chip_mapping_public"),
    ],
)
def test_icao_g1_mapping_keys(private: str, public: str) -> None:
    curve = ec_arith.BRAINPOOL_P256R1
    point = ec_arith.multiply(curve, int(G1[private], 16), curve.generator)
    assert point is not None
    assert ec_arith.encode_point(curve, point) == h(G1[public])


def test_icao_g1_mapped_generator_is_s_g_plus_h() -> None:
    # ICAO 9303-11 Appendix G.1: G~ = s * G + H.
    curve = ec_arith.BRAINPOOL_P256R1
    s_g = ec_arith.multiply(curve, int(G1["nonce"], 16), curve.generator)
    shared = ec_arith.decode_point(curve, h(G1["mapping_secret"]))
    mapped = ec_arith.add(curve, s_g, shared)
    assert mapped is not None
    assert ec_arith.encode_point(curve, mapped) == h(G1["mapped_generator"])


@pytest.mark.parametrize("name", NAMES)
def test_encoding_round_trip_and_sizes(name: str) -> None:
    curve = CURVES[name]
    point = ec_arith.multiply(curve, 0xC0FFEE, curve.generator)
    assert point is not None
    encoded = ec_arith.encode_point(curve, point)
    assert len(encoded) == curve.point_size == 1 + 2 * curve.coordinate_size
    assert ec_arith.decode_point(curve, encoded) == point


@pytest.mark.parametrize(
    ("mutate", "offset"),
    [
        (lambda b: b[:-1], 0),  # short
        (lambda b: b + b"\x00", 0),  # long
        (lambda b: b"\x02" + b[1:], 0),  # compressed form indicator
        (lambda b: b[:-1] + bytes((b[-1] ^ 1,)), 1),  # off the curve
    ],
)
def test_decode_rejects_malformed_points(mutate: object, offset: int) -> None:
    curve = ec_arith.BRAINPOOL_P256R1
    encoded = ec_arith.encode_point(curve, curve.generator)
    assert callable(mutate)
    with pytest.raises(DecodeError) as info:
        ec_arith.decode_point(curve, mutate(encoded))
    assert info.value.offset == offset


def test_coordinates_outside_the_field_are_not_on_the_curve() -> None:
    curve = ec_arith.NIST_P256
    g = curve.generator
    assert not ec_arith.is_on_curve(curve, Point(g.x + curve.p, g.y))


@settings(max_examples=200)
@given(st.binary(max_size=70))
def test_any_bytes_decode_to_a_point_or_decode_error(data: bytes) -> None:
    curve = ec_arith.BRAINPOOL_P256R1
    try:
        point = ec_arith.decode_point(curve, data)
    except DecodeError:
        return
    assert ec_arith.is_on_curve(curve, point)
    assert ec_arith.encode_point(curve, point) == data


def test_curve_repr_and_sizes() -> None:
    assert repr(ec_arith.NIST_P521) == "Curve(secp521r1)"
    assert ec_arith.NIST_P521.coordinate_size == 66
    assert ec_arith.NIST_P521.order_size == 66
    assert ec_arith.BRAINPOOL_P512R1.coordinate_size == 64
