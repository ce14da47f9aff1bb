"""Finite-field Diffie-Hellman keys for Chip Authentication v1 (ICAO Doc 9303-11 6.2, 9.2.6):
the SubjectPublicKeyInfo DG14 carries, parsed and built with pyasn1 (pyasn1-modules RFC 5280 /
RFC 3279 structures), and the key agreement with ``cryptography``'s DH.

SubjectPublicKeyInfo (RFC 3279 2.3.3, ANSI X9.42): algorithm dhpublicnumber
1.2.840.10046.2.1 with DomainParameters { p, g, q, j OPTIONAL, validationParms OPTIONAL };
subjectPublicKey holds the DER INTEGER y. PKCS#3 dhKeyAgreement 1.2.840.113549.1.3.1
(DHParameter { p, g, privateValueLength OPTIONAL }, no q) is read too.

Public values travel as big-endian integers the length of p, and the shared secret is padded
to that length (9303-11 9.4.2 / BSI TR-03111 3.1.3 I2OS, as for PACE's DH in
:mod:`cardwire.crypto.dh_groups`).

``cryptography`` 46+ deprecates FFDH: touching its ``dh`` module raises a
CryptographyDeprecationWarning. This module is the only one that does, and silences exactly
that warning (:func:`_ffdh`); the day ``cryptography`` drops FFDH, only this module changes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pyasn1.codec.der import encoder  # type: ignore[import-untyped]
from pyasn1.type import univ  # type: ignore[import-untyped]
from pyasn1_modules import rfc3279, rfc5280  # type: ignore[import-untyped]

from cardwire.crypto.dh_groups import DhGroup, check_public_value, decode_value
from cardwire.der import decode_der
from cardwire.errors import DecodeError

DH_PUBLIC_NUMBER = "1.2.840.10046.2.1"  # RFC 3279 2.3.3 (ANSI X9.42)
DH_KEY_AGREEMENT = "1.2.840.113549.1.3.1"  # PKCS#3 dhKeyAgreement


@contextmanager
def _ffdh() -> Iterator[Any]:
    """cryptography's dh module with its FFDH deprecation warning silenced (docs above)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Diffie-Hellman over finite fields")
        from cryptography.hazmat.primitives.asymmetric import dh

        yield dh


@dataclass(frozen=True, slots=True)
class DhPublicKey:
    """A DH public value y in the group p, g (of order q when the key says it)."""

    p: int
    g: int
    q: int | None
    y: int

    @property
    def size(self) -> int:
        """Byte length of p: of every public value and of the shared secret."""
        return (self.p.bit_length() + 7) // 8


def parse_dh_public_key(spki: bytes) -> DhPublicKey:
    """A DH SubjectPublicKeyInfo (X9.42 or PKCS#3), else :class:`DecodeError`."""
    info = decode_der(spki, rfc5280.SubjectPublicKeyInfo(), "DH SubjectPublicKeyInfo")
    algorithm = str(info["algorithm"]["algorithm"])
    parameters = bytes(info["algorithm"]["parameters"])
    if algorithm not in (DH_PUBLIC_NUMBER, DH_KEY_AGREEMENT):
        raise DecodeError(f"not a DH key (algorithm {algorithm})")
    y = int(decode_der(info["subjectPublicKey"].asOctets(), univ.Integer(), "DH public value"))
    if algorithm == DH_PUBLIC_NUMBER:
        domain = decode_der(parameters, rfc3279.DomainParameters(), "DH DomainParameters")
        p, g, q = int(domain["p"]), int(domain["g"]), int(domain["q"])
    else:
        values = decode_der(
            parameters, univ.SequenceOf(componentType=univ.Integer()), "DH DHParameter"
        )
        if len(values) not in (2, 3):
            raise DecodeError("DH DHParameter: expected p, g [, privateValueLength]")
        p, g, q = int(values[0]), int(values[1]), None
    if p < 3 or not 1 < g < p - 1:
        raise DecodeError("DH domain parameters out of range")
    if q is not None:
        check_public_value(DhGroup("DG14", p, g, q), y)  # NIST SP 800-56A 5.6.2.3.1
    elif not 1 < y < p - 1:
        raise DecodeError("the DH public value is outside [2, p-2]")
    return DhPublicKey(p, g, q, y)


def dh_spki(key: DhPublicKey) -> bytes:
    """The X9.42 SubjectPublicKeyInfo of ``key`` (q required)."""
    assert key.q is not None
    domain = rfc3279.DomainParameters()
    domain["p"], domain["g"], domain["q"] = key.p, key.g, key.q
    info = rfc5280.SubjectPublicKeyInfo()
    info["algorithm"]["algorithm"] = univ.ObjectIdentifier(DH_PUBLIC_NUMBER)
    info["algorithm"]["parameters"] = univ.Any(encoder.encode(domain))
    info["subjectPublicKey"] = univ.BitString.fromOctetString(encoder.encode(univ.Integer(key.y)))
    return bytes(encoder.encode(info))


def _shared(p: int, g: int, q: int | None, x: int, y: int, peer: int) -> bytes:
    with _ffdh() as dh:
        parameters = dh.DHParameterNumbers(p, g, q)
        private = dh.DHPrivateNumbers(x, dh.DHPublicNumbers(y, parameters)).private_key()
        secret: bytes = private.exchange(dh.DHPublicNumbers(peer, parameters).public_key())
    # 9303-11 9.4.2: the shared secret is the integer padded to p's length.
    return secret.rjust((p.bit_length() + 7) // 8, b"\0")


def agree(chip: DhPublicKey) -> tuple[bytes, bytes]:
    """The terminal's side: a fresh ephemeral key in the chip key's group; returns its public
    value (encoded the length of p) and the shared secret."""
    with _ffdh() as dh:
        parameters = dh.DHParameterNumbers(chip.p, chip.g, chip.q).parameters()
        numbers = parameters.generate_private_key().private_numbers()
    x, y = numbers.x, numbers.public_numbers.y
    shared = _shared(chip.p, chip.g, chip.q, x, y, chip.y)
    return y.to_bytes(chip.size, "big"), shared


@dataclass(frozen=True, slots=True)
class DhPrivateKey:
    """The chip's static DH key: exponent x in a group with prime order q."""

    group: DhGroup
    x: int

    def public_key(self) -> DhPublicKey:
        group = self.group
        return DhPublicKey(group.p, group.g, group.q, pow(group.g, self.x, group.p))

    def exchange(self, encoded: bytes) -> bytes:
        """The shared secret with the terminal's public value ``encoded`` (validated, NIST
        SP 800-56A 5.6.2.3.1: :class:`DecodeError` when it is not in the group)."""
        group = self.group
        peer = decode_value(group, encoded)
        return _shared(group.p, group.g, group.q, self.x, self.public_key().y, peer)


__all__ = [
    "DH_KEY_AGREEMENT",
    "DH_PUBLIC_NUMBER",
    "DhPrivateKey",
    "DhPublicKey",
    "agree",
    "dh_spki",
    "parse_dh_public_key",
]
