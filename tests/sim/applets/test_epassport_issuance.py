"""The simulated passport's issuance: deterministic files, the profile section (export round
trip keeps them generated), the default DG2 below 32 KB, broken options validated."""

from __future__ import annotations

import json

import pytest

from cardwire.crypto.dh_groups import MODP_2048_224
from cardwire.errors import ConfigError
from cardwire.passport.dh_keys import parse_dh_public_key
from cardwire.passport.security_infos import ID_CA_DH_3DES, ID_PK_DH, parse_dg14_infos
from cardwire.sim.applets.epassport.applet import EpassportApplet
from cardwire.sim.applets.epassport.config import default_config, large_dg2_config
from cardwire.sim.applets.epassport.issuance import IssuanceConfig, Issuer, dg2_photo, ef_com
from cardwire.sim.fs import ElementaryFile
from cardwire.tlv import parse_one


def contents(applet: EpassportApplet) -> dict[int, bytes]:
    return {
        ef.fid: bytes(ef.data) for ef in applet.files.children if isinstance(ef, ElementaryFile)
    }


def test_default_passport_files() -> None:
    files = contents(EpassportApplet.from_config(default_config()))
    assert sorted(files) == [0x0101, 0x0102, 0x010B, 0x010C, 0x010E, 0x010F, 0x011C, 0x011D, 0x011E]
    assert files[0x011E] == ef_com([1, 2, 11, 12, 14, 15])
    assert files[0x0102] == dg2_photo()
    assert len(files[0x0102]) < 32767  # cardpeek reads it with READ BINARY B0
    assert files[0x011D][:1] == b"\x77"


def test_issuance_is_deterministic_and_export_keeps_it_generated() -> None:
    first = EpassportApplet.from_config(default_config())
    state = first.export_state()
    kinds = {f["fid"]: f["content"] for f in state["files"]}
    assert kinds["011D"] == {"sod": "signed"}
    assert kinds["010F"] == {"dg15": "issued"}
    assert kinds["0102"] == {"dg2": "photo"}
    again = EpassportApplet.from_config(json.loads(json.dumps(state)))
    assert contents(again) == contents(first)


def test_broken_option_changes_the_files_and_survives_export() -> None:
    config = default_config()
    config["issuance"]["broken"] = ["tampered_dg"]
    applet = EpassportApplet.from_config(config)
    assert (
        contents(applet)[0x010B] != contents(EpassportApplet.from_config(default_config()))[0x010B]
    )
    again = EpassportApplet.from_config(json.loads(json.dumps(applet.export_state())))
    assert contents(again) == contents(applet)


def test_unknown_broken_option_is_a_config_error() -> None:
    config = default_config()
    config["issuance"]["broken"] = ["everything"]
    with pytest.raises(ConfigError, match=r"issuance\.broken"):
        EpassportApplet.from_config(config)


def test_large_dg2_profile_keeps_the_60_kb_template() -> None:
    files = contents(EpassportApplet.from_config(large_dg2_config()))
    assert len(files[0x0102]) == 61440


def test_the_seed_changes_every_key() -> None:
    one, two = Issuer(IssuanceConfig(), ()), Issuer(IssuanceConfig(seed="other"), ())
    assert one.dg15() != two.dg15()
    assert one.dg14() != two.dg14()
    assert Issuer(IssuanceConfig(), ()).dg15() == one.dg15()


def test_ca_key_dh_puts_an_rfc5114_dh_key_in_dg14() -> None:
    issuer = Issuer(IssuanceConfig(ca_key="dh", chip_authentication="3des"), ())
    dg14 = parse_dg14_infos(parse_one(issuer.dg14()).value)
    (key,) = dg14.chip_keys
    assert key.protocol == ID_PK_DH  # 9303-11 9.2.6
    assert [i.protocol for i in dg14.chip_authentication] == [ID_CA_DH_3DES]
    public = parse_dh_public_key(key.public_key)
    assert (public.p, public.g, public.q) == (MODP_2048_224.p, MODP_2048_224.g, MODP_2048_224.q)
    # Reproducible from the seed, and the broken option holds another key.
    assert Issuer(IssuanceConfig(ca_key="dh"), ()).ca_key == issuer.ca_key
    other = Issuer(IssuanceConfig(ca_key="dh", broken=("ca_key",)), ())
    assert other.chip_ca_key != other.ca_key == issuer.ca_key
