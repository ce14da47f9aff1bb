"""The one loader and exporter of applet configurations (cardwire.sim.config_loader)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.errors import ConfigError
from cardwire.sim.applets.echo import EchoConfig
from cardwire.sim.applets.eid import EidConfig
from cardwire.sim.applets.epassport.config import EpassportConfig
from cardwire.sim.applets.filesystem.applet import FileSystemConfig
from cardwire.sim.applets.filesystem.counter_sm import CounterSmSettings
from cardwire.sim.applets.keycard.settings import KeycardConfig
from cardwire.sim.applets.security_domain.settings import KeySetConfig, SecurityDomainConfig
from cardwire.sim.card import SimCard
from cardwire.sim.config_loader import check, export, load
from cardwire.sim.profile import Profile


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True, kw_only=True)
class Inner:
    tries: int = field(default=3, metadata={"range": (0, 15)})
    key: bytes = field(default=b"\0" * 4, metadata={"length": 4})
    name: str = field(default="", metadata={"omit_default": True})

    def __post_init__(self) -> None:
        check(self.tries != 13, "tries", "unlucky")


@dataclass(frozen=True, kw_only=True)
class Outer:
    flag: bool = True
    version: int = field(default=0x0301, metadata={"hex_bytes": 2})
    colour: Colour = Colour.RED
    mode: Literal["a", "b"] = "a"
    inner: Inner = field(default_factory=Inner)
    optional: Inner | None = None
    items: tuple[Inner, ...] = ()
    raw: object = None


inners = st.builds(
    Inner,
    tries=st.integers(0, 15).filter(lambda n: n != 13),
    key=st.binary(min_size=4, max_size=4),
    name=st.text(max_size=5),
)
outers = st.builds(
    Outer,
    flag=st.booleans(),
    version=st.integers(0, 0xFFFF),
    colour=st.sampled_from(Colour),
    mode=st.sampled_from(["a", "b"]),
    inner=inners,
    optional=st.none() | inners,
    items=st.lists(inners, max_size=3).map(tuple),
    raw=st.none() | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@given(outers)
def test_export_of_load_is_the_identity(config: Outer) -> None:
    section = export(config)
    assert load(Outer, section) == config
    assert export(load(Outer, section)) == section


key_sets = st.builds(
    KeySetConfig,
    kvn=st.integers(1, 0xFF),
    enc=st.binary(min_size=16, max_size=16),
    mac=st.binary(min_size=16, max_size=16),
    dek=st.binary(min_size=16, max_size=16),
)


@given(
    st.builds(
        SecurityDomainConfig,
        key_sets=st.lists(key_sets, min_size=1, max_size=8, unique_by=lambda k: k.kvn).map(tuple),
        sequence_counter=st.integers(0, 1 << 24),
        pseudo_random=st.booleans(),
        diversification_data=st.binary(min_size=10, max_size=10),
        cplc=st.binary(min_size=42, max_size=42),
    )
)
def test_security_domain_sections_round_trip(config: SecurityDomainConfig) -> None:
    section = export(config)
    assert export(load(SecurityDomainConfig, section)) == section


@given(
    pin=st.text("0123456789", min_size=6, max_size=6),
    tries=st.none() | st.integers(0, 3),
    slots=st.integers(1, 6),
    uid=st.none() | st.binary(min_size=16, max_size=16),
)
def test_keycard_sections_round_trip(
    pin: str, tries: int | None, slots: int, uid: bytes | None
) -> None:
    config = KeycardConfig(pin=pin, pin_tries_left=tries, pairing_slots=slots, instance_uid=uid)
    section = export(config)
    assert export(load(KeycardConfig, section)) == section


@pytest.mark.parametrize(
    "cls", [EchoConfig, FileSystemConfig, KeycardConfig, EpassportConfig, EidConfig]
)
def test_every_default_round_trips(cls: type[Any]) -> None:
    section = export(cls())
    assert export(load(cls, section)) == section


@pytest.mark.parametrize(
    ("cls", "section", "message"),
    [
        (Outer, {"flag": "yes"}, "flag: expected true or false"),
        (Outer, {"version": "030"}, "version: "),
        (Outer, {"version": 0x10000}, "version: expected a number 0..65535"),
        (Outer, {"colour": "green"}, "colour: expected one of red, blue"),
        (Outer, {"mode": "c"}, "mode: expected one of a, b"),
        (Outer, {"inner": {"tries": "3"}}, "inner.tries: expected a number"),
        (Outer, {"inner": {"tries": True}}, "inner.tries: expected a number"),
        (Outer, {"inner": {"tries": 16}}, "inner.tries: expected a number 0..15"),
        (Outer, {"inner": {"tries": 13}}, "inner.tries: unlucky"),
        (Outer, {"inner": {"key": "0011"}}, "inner.key: expected 4 bytes, got 2"),
        (Outer, {"inner": {"key": "zz"}}, "inner.key: "),
        (Outer, {"inner": {"colour": 1}}, "inner.colour: unknown key"),
        (Outer, {"items": {}}, "items: expected a list"),
        (Outer, {"items": [{}, {"tries": -1}]}, r"items\[1\].tries: expected a number 0..15"),
        (Outer, {"items": [{}, 7]}, r"items\[1\]: expected a mapping"),
        (Outer, [], "expected a mapping"),
        (KeySetConfig, {"kvn": "01"}, "enc: missing"),
        (SecurityDomainConfig, {"key_sets": []}, "key_sets: expected a list of 1 to 8"),
        (FileSystemConfig, {"pins": [{"reference": 1}]}, r"pins\[0\].value: missing"),
        (
            FileSystemConfig,
            {"pins": [{"reference": 1, "value": {"text": "1"}, "max_tries": "3"}]},
            r"pins\[0\].max_tries: expected a number",
        ),
        (CounterSmSettings, {"mac_key": "00" * 16}, "enc_key: missing"),
        (EpassportConfig, {"mrz": {"sex": "FF"}}, "mrz.sex: at most 1 characters"),
        (EpassportConfig, {"files": [{"fid": "01"}]}, r"files\[0\].fid: expected 2 bytes"),
        (EpassportConfig, {"pace": {"infos": [{"protocol": "1.2"}]}}, r"pace.infos\[0\].param"),
        (EidConfig, {"pin": "12ab"}, "pin: expected digits"),
    ],
)
def test_every_error_names_its_key_path(cls: type[Any], section: object, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^{message}"):
        load(cls, section)


def test_the_card_puts_the_applet_in_front_of_the_key_path() -> None:
    bad_pin = {"reference": 1, "value": {"text": "1234"}, "max_tries": "3"}
    document = {
        "applets": [
            {"type": "echo", "aid": "F0636172647769726503"},
            {"type": "filesystem", "aid": "F0636172647769726500", "pins": [{}, bad_pin]},
        ]
    }
    with pytest.raises(ConfigError) as caught:
        SimCard(Profile.from_dict(document))
    assert str(caught.value) == "applets[1].pins[0].reference: missing"
    document["applets"][1]["pins"] = [bad_pin]  # type: ignore[index]
    with pytest.raises(
        ConfigError, match=r"^applets\[1\]\.pins\[0\]\.max_tries: expected a number"
    ):
        SimCard(Profile.from_dict(document))
