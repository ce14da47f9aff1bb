"""ECDSA verification on cardwire's curves: Google Wycheproof's brainpoolP256r1 / SHA-256
vectors (C2SP/wycheproof testvectors/ecdsa_brainpoolP256r1_sha256_test.json, test group 1:
tcId 1 and 2 valid, tcId 3 and 5 invalid encodings), and signatures made by ``cryptography``
on every curve cardwire has."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from cardwire.crypto.ec_arith import BRAINPOOL_P256R1, CURVES, Point, decode_point
from cardwire.crypto.ecdsa_verify import decode_der_signature, verify
from cardwire.errors import DecodeError

h = bytes.fromhex
WYCHEPROOF_KEY = h(
    "04019a2d9637743a63ddaefdbca0ee229a163b809b9b145e5313bbeb8defeab9d6"
    "548caf89bf5ba49499404145651234336401b9b2843a579ed152e090f11b9e59"
)
WYCHEPROOF_MSG = h("313233343030")
R = "0a5f8c70ba2d0842d5d0f841f160ad15195769a8159bfe692634d73d469d111f"
WYCHEPROOF_VALID = {  # tcId -> DER signature, result "valid"
    1: h(f"30440220{R}0220426e857aad3ff7aa96e4d200c03b45f1846a36d089ee3917768ca1a0d6d4da6e"),
    2: h(f"30440220{R}0220678cd260f4aeb211a781388fdd48478007cf43d32b736de019916ce1c0737c39"),
}
WYCHEPROOF_BAD_ENCODING = {  # tcId -> DER signature, result "invalid"
    3: h(f"3081440220{R}0220678cd260f4aeb211a781388fdd48478007cf43d32b736de019916ce1c0737c39"),
    5: h(f"30450220{R}0220678cd260f4aeb211a781388fdd48478007cf43d32b736de019916ce1c0737c39"),
}
THEIRS: dict[str, ec.EllipticCurve] = {
    "brainpoolP256r1": ec.BrainpoolP256R1(),
    "brainpoolP384r1": ec.BrainpoolP384R1(),
    "brainpoolP512r1": ec.BrainpoolP512R1(),
    "secp256r1": ec.SECP256R1(),
    "secp384r1": ec.SECP384R1(),
    "secp521r1": ec.SECP521R1(),
}


@pytest.mark.parametrize("tc_id", sorted(WYCHEPROOF_VALID))
def test_wycheproof_valid_signatures_verify(tc_id: int) -> None:
    key = decode_point(BRAINPOOL_P256R1, WYCHEPROOF_KEY)
    r, s = decode_der_signature(WYCHEPROOF_VALID[tc_id])
    assert verify(BRAINPOOL_P256R1, key, WYCHEPROOF_MSG, r, s, "sha256")


def test_wycheproof_signature_fails_on_another_message_or_value() -> None:
    key = decode_point(BRAINPOOL_P256R1, WYCHEPROOF_KEY)
    r, s = decode_der_signature(WYCHEPROOF_VALID[2])
    assert not verify(BRAINPOOL_P256R1, key, WYCHEPROOF_MSG + b"\0", r, s, "sha256")
    assert not verify(BRAINPOOL_P256R1, key, WYCHEPROOF_MSG, r, s + 1, "sha256")
    assert not verify(BRAINPOOL_P256R1, key, WYCHEPROOF_MSG, 0, s, "sha256")
    assert not verify(BRAINPOOL_P256R1, key, WYCHEPROOF_MSG, r, BRAINPOOL_P256R1.n, "sha256")
    off_curve = Point(key.x, key.y + 1)
    assert not verify(BRAINPOOL_P256R1, off_curve, WYCHEPROOF_MSG, r, s, "sha256")


@pytest.mark.parametrize("tc_id", sorted(WYCHEPROOF_BAD_ENCODING))
def test_wycheproof_ber_or_wrong_length_is_refused(tc_id: int) -> None:
    with pytest.raises(DecodeError):
        decode_der_signature(WYCHEPROOF_BAD_ENCODING[tc_id])


@pytest.mark.parametrize("name", sorted(CURVES))
@pytest.mark.parametrize("hash_name", ["sha1", "sha256", "sha512"])
def test_signatures_made_by_cryptography_verify(name: str, hash_name: str) -> None:
    curve = CURVES[name]
    key = ec.derive_private_key(0x1234567890ABCDEF, THEIRS[name])
    message = b"cardwire ECDSA " + name.encode()
    algorithm = getattr(hashes, hash_name.upper())()
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(algorithm)))
    numbers = key.public_key().public_numbers()
    public = Point(numbers.x, numbers.y)
    assert verify(curve, public, message, r, s, hash_name)
    assert not verify(curve, public, message[:-1], r, s, hash_name)
