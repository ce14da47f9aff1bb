"""DH chip keys: the X9.42 SubjectPublicKeyInfo built and parsed (and PKCS#3's), public values
checked, and both sides of the key agreement giving one secret the length of p."""

from __future__ import annotations

import pytest
from pyasn1.codec.der import encoder  # type: ignore[import-untyped]
from pyasn1.type import univ  # type: ignore[import-untyped]
from pyasn1_modules import rfc5280  # type: ignore[import-untyped]

from cardwire.crypto.dh_groups import MODP_1024_160, MODP_2048_224
from cardwire.errors import DecodeError
from cardwire.passport.dh_keys import (
    DH_KEY_AGREEMENT,
    DhPrivateKey,
    DhPublicKey,
    agree,
    dh_spki,
    parse_dh_public_key,
)
from cardwire.sim.applets.epassport.pki import derive_key, public_key_info


def test_x942_spki_round_trip_and_both_sides_agree() -> None:
    chip = DhPrivateKey(MODP_2048_224, 0x1234567)
    public = parse_dh_public_key(dh_spki(chip.public_key()))
    assert public == chip.public_key()
    for _ in range(20):  # the secret keeps p's length even when it has leading zero bytes
        value, shared = agree(public)
        assert len(value) == len(shared) == 256
        assert chip.exchange(value) == shared


def test_pkcs3_key_without_q_is_read() -> None:
    group = MODP_1024_160
    info = rfc5280.SubjectPublicKeyInfo()
    info["algorithm"]["algorithm"] = univ.ObjectIdentifier(DH_KEY_AGREEMENT)
    params = univ.SequenceOf(componentType=univ.Integer())
    params.extend([univ.Integer(group.p), univ.Integer(group.g)])
    info["algorithm"]["parameters"] = univ.Any(encoder.encode(params))
    y = pow(group.g, 99, group.p)
    info["subjectPublicKey"] = univ.BitString.fromOctetString(encoder.encode(univ.Integer(y)))
    assert parse_dh_public_key(bytes(encoder.encode(info))) == DhPublicKey(
        group.p, group.g, None, y
    )


def test_bad_keys_are_decode_errors() -> None:
    group = MODP_2048_224
    with pytest.raises(DecodeError, match="subgroup"):  # 2 is not of order q
        parse_dh_public_key(dh_spki(DhPublicKey(group.p, group.g, group.q, 2)))
    with pytest.raises(DecodeError, match="not a DH key"):
        parse_dh_public_key(public_key_info(derive_key("seed", "EC")))
    with pytest.raises(DecodeError):
        DhPrivateKey(group, 5).exchange(b"\x01")
