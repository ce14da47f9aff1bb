"""Active Authentication verification: ICAO 9303-11 Appendix F's worked RSA example, RSA with
the BC and 34CC trailers, ECDSA plain signatures, and the failures."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardwire.passport.active import check_representative, verify_active_authentication
from cardwire.passport.security_infos import ECDSA_SHA256
from cardwire.sim.applets.epassport.issuance import sign_plain
from cardwire.sim.applets.epassport.pki import derive_key

# ICAO Doc 9303-11 Appendix F (worked example, Active Authentication): the recovered message
# representative F and the challenge M2 = RND.IFD. Taken as ZeroPass/pymrtd quotes it in
# tests/pki/iso9796e2_test.py ("Test vector F taken from ICAO 9303 p11 appendix F").
APPENDIX_F = bytes.fromhex(
    "6A9D2784A67F8E7C659973EA1AEA25D95B6C8F91E5002F369F0FBDCE8A3CEC1991B543F1696546C5524CF2"
    "3A5303CD6C98599F40B79F377B5F3A1406B3B4D8F96784D23AA88DB7E1032A405E69325FA91A6E86F5C71A"
    "EA978264C4A207446DAD4E7292E2DCDA3024B47DA8C063AA1E6D22FBD976AB0FE73D94D2D9C6D88127BC"
)
APPENDIX_F_M2 = bytes.fromhex("F173589974BF40C6")
CHALLENGE = bytes.fromhex("0102030405060708")
RSA_KEYS = [rsa.generate_private_key(65537, 2048) for _ in range(2)]


def test_appendix_f_representative() -> None:
    assert check_representative(APPENDIX_F, APPENDIX_F_M2).ok
    other = bytes([APPENDIX_F_M2[0] ^ 1]) + APPENDIX_F_M2[1:]
    assert not check_representative(APPENDIX_F, other).ok
    assert not check_representative(b"\x4a" + APPENDIX_F[1:], APPENDIX_F_M2).ok
    assert not check_representative(APPENDIX_F[:-1] + b"\xdc", APPENDIX_F_M2).ok


def _rsa_aa(key: rsa.RSAPrivateKey, challenge: bytes, hash_name: str, trailer: bytes) -> bytes:
    """A chip's ISO/IEC 9796-2 scheme 1 signature (the test's own signer)."""
    size = key.key_size // 8
    digest_size = hashlib.new(hash_name).digest_size
    m1 = bytes(i % 251 for i in range(size - digest_size - len(trailer) - 1))
    f = b"\x6a" + m1 + hashlib.new(hash_name, m1 + challenge).digest() + trailer
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    value = int.from_bytes(f, "big")
    signature = pow(value, numbers.d, n)
    return min(signature, n - signature).to_bytes(size, "big")  # 9796-2: the smaller root


def _der(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize(("hash_name", "trailer"), [("sha1", b"\xbc"), ("sha256", b"\x34\xcc")])
def test_rsa_trailers(hash_name: str, trailer: bytes) -> None:
    key = RSA_KEYS[0]
    signature = _rsa_aa(key, CHALLENGE, hash_name, trailer)
    assert verify_active_authentication(_der(key), CHALLENGE, signature, None).ok
    assert not verify_active_authentication(_der(key), CHALLENGE[::-1], signature, None).ok
    other = RSA_KEYS[1]
    assert not verify_active_authentication(_der(other), CHALLENGE, signature, None).ok


def test_ecdsa_plain_signature() -> None:
    key = derive_key("test", "AA")
    signature = sign_plain(key, CHALLENGE)
    assert len(signature) == 64
    assert verify_active_authentication(_der(key), CHALLENGE, signature, ECDSA_SHA256).ok
    wrong = derive_key("test", "other")
    assert not verify_active_authentication(_der(wrong), CHALLENGE, signature, ECDSA_SHA256).ok
    verdict = verify_active_authentication(_der(key), CHALLENGE, signature, None)
    assert not verdict.ok
    assert "ActiveAuthenticationInfo" in verdict.reason
    assert not verify_active_authentication(_der(key), CHALLENGE, signature[:-1], ECDSA_SHA256).ok
