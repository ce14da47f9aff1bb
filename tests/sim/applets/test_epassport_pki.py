"""The test PKI: a self-signed CSCA, the DS it issues, the expired and foreign variants."""

from __future__ import annotations

from cryptography import x509

from cardwire.sim.applets.epassport.pki import (
    SIGNING_TIME,
    csca_certificate,
    csca_pem,
    derive_key,
    document_signer,
)


def test_csca_is_a_self_signed_ca() -> None:
    csca = csca_certificate("seed")
    csca.verify_directly_issued_by(csca)
    assert csca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = csca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert x509.load_pem_x509_certificate(csca_pem("seed")) == csca


def test_document_signer_chains_to_the_csca_at_signing_time() -> None:
    signer = document_signer("seed")
    signer.certificate.verify_directly_issued_by(csca_certificate("seed"))
    assert (
        signer.certificate.not_valid_before_utc
        <= SIGNING_TIME
        <= signer.certificate.not_valid_after_utc
    )
    expired = document_signer("seed", expired=True).certificate
    assert expired.not_valid_after_utc < SIGNING_TIME
    foreign = document_signer("seed", foreign=True).certificate
    assert foreign.issuer == csca_certificate("seed").subject  # same name, other key
    try:
        foreign.verify_directly_issued_by(csca_certificate("seed"))
    except Exception:
        refused = True
    else:
        refused = False
    assert refused


def test_keys_are_derived_from_seed_and_label() -> None:
    assert derive_key("a", "AA").private_numbers() == derive_key("a", "AA").private_numbers()
    assert derive_key("a", "AA").private_numbers() != derive_key("a", "CA").private_numbers()
