"""EC keys with explicit domain parameters (ICAO Doc 9303-12 4.1.6.3): the ECParameters
cardwire writes equal OpenSSL's explicit encoding of the brainpool curves (`openssl ecparam
-param_enc explicit`), OpenSSL's explicit P-256 key (with its X9.62 seed) parses, parameters of
an unknown curve are refused, and certificates re-signed with explicit keys verify."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardwire.crypto.ec_arith import CURVES
from cardwire.errors import DecodeError
from cardwire.passport import ec_keys
from cardwire.sim.applets.epassport.pki import csca_certificate, derive_key, document_signer
from cardwire.tlv import parse_one

SEED = "ec keys test"
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _openssl(*args: str, data: bytes = b"") -> bytes:
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


@needs_openssl
@pytest.mark.parametrize("name", ["brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1"])
def test_explicit_parameters_match_openssl(name: str) -> None:
    theirs = _openssl("ecparam", "-name", name, "-param_enc", "explicit", "-outform", "DER")
    assert ec_keys.explicit_parameters(CURVES[name]) == theirs


@needs_openssl
def test_openssl_explicit_p256_key_with_seed_parses() -> None:
    private = _openssl("ecparam", "-name", "prime256v1", "-param_enc", "explicit", "-genkey")
    spki = _openssl("pkey", "-pubout", "-outform", "DER", data=private)
    key = ec_keys.parse_ec_public_key(spki)
    assert key is not None and key.explicit and key.curve.name == "secp256r1"


def test_named_and_explicit_keys_are_the_same_point() -> None:
    public = derive_key(SEED, "x", brainpool=True).public_key()
    named = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    explicit = ec_keys.explicit_spki(public)
    a, b = ec_keys.parse_ec_public_key(named), ec_keys.parse_ec_public_key(explicit)
    assert a is not None and b is not None
    assert (a.curve, a.point, a.explicit) == (b.curve, b.point, not b.explicit)
    assert b.to_cryptography().public_numbers() == public.public_numbers()


def test_unknown_curve_parameters_are_refused() -> None:
    spki = ec_keys.explicit_spki(derive_key(SEED, "x", brainpool=True).public_key())
    b = CURVES["brainpoolP256r1"].b.to_bytes(32, "big")
    changed = spki.replace(b, b[:-1] + bytes([b[-1] ^ 1]))
    assert changed != spki
    with pytest.raises(DecodeError, match="does not know"):
        ec_keys.parse_ec_public_key(changed)


def test_rsa_key_is_not_an_ec_key() -> None:
    key = rsa.generate_private_key(65537, 2048).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert ec_keys.parse_ec_public_key(der) is None


def test_explicit_certificates_verify_with_cardwire_ecdsa() -> None:
    csca = csca_certificate(SEED, "brainpool").public_bytes(serialization.Encoding.DER)
    ds = document_signer(SEED, key_type="brainpool").certificate_der
    csca_key = ec_keys.certificate_spki(csca)
    parsed = ec_keys.parse_ec_public_key(ec_keys.certificate_spki(ds))
    assert parsed is not None and parsed.explicit
    assert ec_keys.verify_certificate(ds, csca_key)
    assert ec_keys.verify_certificate(csca, csca_key)  # self-signed
    other = csca_certificate(SEED + "2", "brainpool").public_bytes(serialization.Encoding.DER)
    assert not ec_keys.verify_certificate(ds, ec_keys.certificate_spki(other))
    tbs = parse_one(ds).children[0].encode()
    tampered = ds.replace(tbs, tbs[:-1] + bytes([tbs[-1] ^ 1]))
    assert not ec_keys.verify_certificate(tampered, csca_key)


def test_verify_ecdsa_needs_an_ec_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    spki = ec_keys.explicit_spki(key.public_key())
    signature = key.sign(b"m", ec.ECDSA(hashes.SHA256()))
    assert ec_keys.verify_ecdsa(spki, b"m", signature, "sha256")
    rsa_spki = (
        rsa.generate_private_key(65537, 2048)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(DecodeError):
        ec_keys.verify_ecdsa(rsa_spki, b"m", signature, "sha256")
