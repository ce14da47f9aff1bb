"""A throwaway SCP11 PKI for the codec tests: per curve an SD key pair under kvn 01, an OCE CA
(CA-KLOC) and an OCE key with its certificate, deterministic from a seed."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cardwire.sm.scp03 import Mode
from cardwire.sm.scp11 import CURVES, OCE_KID, Scp11Card, Scp11Handshake, Variant

KVN = 0x01


def _key(source: random.Random, curve: ec.EllipticCurve) -> ec.EllipticCurvePrivateKey:
    order_bits = curve.key_size
    while True:
        value = source.getrandbits(order_bits)
        try:
            return ec.derive_private_key(value, curve)
        except ValueError:
            continue


def _certificate(
    subject: str, key: ec.EllipticCurvePublicKey, issuer: str, signer: ec.EllipticCurvePrivateKey
) -> bytes:
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key)
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(signer, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


@dataclass
class Pki:
    keys: dict[str, dict[str, Any]]
    seed: int

    @classmethod
    def make(cls, seed: int = 1) -> Pki:
        source = random.Random(seed)
        keys: dict[str, dict[str, Any]] = {}
        for name, curve in CURVES.items():
            sd, ca, oce = (_key(source, curve) for _ in range(3))
            keys[name] = {
                "sd": sd,
                "ca": ca,
                "oce": oce,
                "oce_cert": _certificate("OCE", oce.public_key(), "CA-KLOC", ca),
            }
        return cls(keys, seed)

    def sd_public(self, curve: str) -> ec.EllipticCurvePublicKey:
        key: ec.EllipticCurvePrivateKey = self.keys[curve]["sd"]
        return key.public_key()

    def card(self, curve: str, mode: Mode) -> Scp11Card:
        sd: ec.EllipticCurvePrivateKey = self.keys[curve]["sd"]
        ca: ec.EllipticCurvePrivateKey = self.keys[curve]["ca"]
        sd_keys = {(variant.kid, KVN): sd for variant in Variant}
        return Scp11Card(sd_keys, {(OCE_KID, KVN): ca.public_key()}, mode=mode)

    def handshake(
        self,
        variant: Variant,
        curve: str,
        *,
        key_length: int = 16,
        mode: Mode = Mode.S8,
        sd_key: ec.EllipticCurvePublicKey | None = None,
        oce: bool | None = None,
    ) -> Scp11Handshake:
        with_oce = variant is not Variant.B if oce is None else oce
        entry = self.keys[curve]
        return Scp11Handshake(
            variant,
            sd_key or self.sd_public(curve),
            kvn=KVN,
            oce_key=entry["oce"] if with_oce else None,
            certificates=[entry["oce_cert"]] if with_oce else (),
            key_length=key_length,
            mode=mode,
        )
