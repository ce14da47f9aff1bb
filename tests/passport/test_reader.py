"""The whole inspection against the simulated passport: access (PACE, else BAC), reading, and
every broken-passport option giving exactly its failed verdict."""

from __future__ import annotations

from typing import Any

import pytest

from cardwire.errors import UsageError
from cardwire.passport.ec_keys import parse_ec_public_key
from cardwire.passport.lds import parse_dg15
from cardwire.passport.reader import Inspection, inspect_passport
from cardwire.passport.security_infos import ID_CA_DH, ID_PK_DH
from cardwire.sim.applets.epassport.config import card_access_entry, default_config
from cardwire.sim.applets.epassport.pki import csca_certificate
from passport_cards import MRZ, SEED, passport_card


def inspect(kind: str = "mrz", password: str = MRZ, **options: Any) -> Inspection:
    trusted = [csca_certificate(SEED, options.get("key_type", "ec"))]
    return inspect_passport(passport_card(**options), password, kind, trusted=trusted)


def verdicts(found: Inspection) -> dict[str, Any]:
    pa = found.passive
    assert pa is not None
    return {
        "signature": pa.signature.ok,
        "chain": pa.chain.ok if pa.chain else None,
        "failed_hashes": sorted(name for name, ok in pa.hashes.items() if not ok),
        "aa": found.active.ok if found.active else None,
        "ca": found.chip.ok if found.chip else None,
    }


ALL_PASS = {"signature": True, "chain": True, "failed_hashes": [], "aa": True, "ca": True}


@pytest.mark.parametrize(("kind", "password"), [("mrz", MRZ), ("can", "123456")])
def test_default_passport_passes_everything_over_pace(kind: str, password: str) -> None:
    found = inspect(kind, password)
    assert found.access == "PACE"
    assert list(found.files) == ["EF.COM", "DG1", "DG2", "DG11", "DG12", "DG14", "DG15", "EF.SOD"]
    assert verdicts(found) == ALL_PASS
    assert found.passed
    assert found.mrz is not None and found.mrz.valid
    assert found.faces[0].format == "jpeg"


def no_card_access() -> list[dict[str, Any]]:
    """The default files with EF.CardAccess unreadable: a BAC-only chip."""
    files = [f for f in default_config()["files"] if f.get("label") != "EF.CardAccess"]
    entry = card_access_entry()
    return [
        {
            "fid": f"{entry.fid:04X}",
            "sfi": entry.sfi,
            "content": entry.content,
            "access": {"read": "never"},
        },
        *files,
    ]


def test_bac_when_ef_card_access_offers_no_pace() -> None:
    found = inspect(files=no_card_access())
    assert found.access == "BAC"
    assert verdicts(found) == ALL_PASS
    with pytest.raises(UsageError, match="BAC needs the MRZ"):
        inspect("can", "123456", files=no_card_access())


@pytest.mark.parametrize("cipher", ["3des", "aes128", "aes256"])
def test_chip_authentication_ciphers(cipher: str) -> None:
    assert verdicts(inspect(chip_authentication=cipher)) == ALL_PASS


@pytest.mark.parametrize(
    ("cipher", "broken", "changed"),
    [("3des", (), {}), ("aes128", (), {}), ("aes128", ("ca_key",), {"ca": False})],
)
def test_dh_chip_authentication(
    cipher: str, broken: tuple[str, ...], changed: dict[str, Any]
) -> None:
    # 9303-11 6.2 with a DH chip key (RFC 5114 2.2 group): DG14 announces id-PK-DH and
    # id-CA-DH-<cipher>; a chip holding another DH key fails exactly the CA verdict.
    found = inspect(ca_key="dh", chip_authentication=cipher, broken=broken)
    assert verdicts(found) == {**ALL_PASS, **changed}
    assert found.dg14 is not None
    assert found.dg14.chip_keys[0].protocol == ID_PK_DH
    assert found.dg14.chip_authentication[0].protocol.startswith(ID_CA_DH + ".")


@pytest.mark.parametrize(
    ("broken", "changed"),
    [
        ("tampered_dg", {"failed_hashes": ["DG11"]}),
        ("sod_signature", {"signature": False}),
        ("expired_ds", {"chain": False}),
        ("foreign_ds", {"chain": False}),
        ("aa_key", {"aa": False}),
        ("ca_key", {"ca": False}),
    ],
)
def test_each_broken_option_fails_exactly_its_check(broken: str, changed: dict[str, Any]) -> None:
    found = inspect(broken=(broken,))
    assert verdicts(found) == {**ALL_PASS, **changed}
    assert not found.passed


def test_eac_protected_dg3_is_reported_unreadable() -> None:
    files = default_config()["files"]
    dg3 = {
        "fid": "0103",
        "sfi": 3,
        "label": "EF.DG3",
        "content": {"hex": "6300"},
        "access": {"read": "sm+key:1"},
    }
    found = inspect(files=[*files[:3], dg3, *files[3:]])
    assert found.unreadable == {"DG3": "protected by Extended Access Control"}
    assert "DG3" not in found.files
    assert verdicts(found) == ALL_PASS


@pytest.mark.parametrize(("broken", "changed"), [((), {}), (("aa_key",), {"aa": False})])
def test_rsa_passport(broken: tuple[str, ...], changed: dict[str, Any]) -> None:
    # RSA 2048 CSCA, DS (PKCS#1 v1.5 SOD) and AA (ISO/IEC 9796-2 scheme 1, no DG14 AA info).
    found = inspect(key_type="rsa", broken=broken)
    assert verdicts(found) == {**ALL_PASS, **changed}
    assert found.dg14 is not None and found.dg14.aa_algorithm is None


@pytest.mark.parametrize(
    ("broken", "changed"),
    [
        ((), {}),
        (("sod_signature",), {"signature": False}),
        (("foreign_ds",), {"chain": False}),
        (("aa_key",), {"aa": False}),
        (("ca_key",), {"ca": False}),
    ],
)
def test_brainpool_explicit_parameter_passport(
    broken: tuple[str, ...], changed: dict[str, Any]
) -> None:
    # ICAO 9303-12 4.1.6.3: CSCA, DS, AA and CA keys on brainpoolP256r1 with explicit domain
    # parameters, checked by cardwire's own SubjectPublicKeyInfo parsing and ECDSA.
    found = inspect(key_type="brainpool", broken=broken)
    assert verdicts(found) == {**ALL_PASS, **changed}
    assert found.dg14 is not None
    for spki in (parse_dg15(found.files["DG15"]), found.dg14.chip_keys[0].public_key):
        key = parse_ec_public_key(spki)
        assert key is not None and key.explicit and key.curve.name == "brainpoolP256r1"
