"""Profiles: the default card, YAML/JSON round trips, validation errors naming the key path."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cardwire.errors import DecodeError, UsageError
from cardwire.sim import profile as profiles
from cardwire.sim.profile import ECHO_AID, FILESYSTEM_AID, CardOptions, Profile


def test_default_profile_matches_the_shared_spec() -> None:
    profile = profiles.default_profile()
    assert [(spec.type, spec.aid) for spec in profile.applets] == [
        ("filesystem", bytes.fromhex("F0636172647769726500")),
        ("echo", bytes.fromhex("F0636172647769726503")),
        ("keycard", bytes.fromhex("A00000080400010101")),  # Keycard instance 01 (issue 17)
        ("epassport", bytes.fromhex("A0000002471001")),  # ICAO 9303-10 LDS1 eMRTD application
        ("eid", bytes.fromhex("E80704007F00070302")),  # BSI TR-03110-4 2.2.1 eID application
        ("security-domain", bytes.fromhex("A000000151000000")),  # GP issuer security domain
    ]
    assert FILESYSTEM_AID == b"\xf0cardwire\x00"
    assert ECHO_AID == b"\xf0cardwire\x03"
    card = profile.card
    assert card.protocols == (1,)
    assert card.extended_length
    assert card.logical_channels == 20
    assert card.chaining
    assert card.wrong_le == "6Cxx"
    assert card.life_cycle == "operational"


@pytest.mark.parametrize("json_format", [False, True])
def test_text_round_trip(json_format: bool) -> None:
    profile = profiles.default_profile()
    text = profiles.dumps(profile, json_format=json_format)
    again = profiles.loads(text, json_format=json_format)
    assert again.to_dict() == profile.to_dict()


@pytest.mark.parametrize(("name", "json_format"), [("card.json", True), ("card.yaml", False)])
def test_format_follows_the_file_extension(tmp_path: Path, name: str, json_format: bool) -> None:
    path = tmp_path / name
    profiles.save(path, profiles.default_profile())
    text = path.read_text()
    if json_format:
        assert isinstance(json.loads(text), dict)
    else:
        assert text.startswith("card:")
        assert isinstance(yaml.safe_load(text), dict)
    assert profiles.load(path).to_dict() == profiles.default_profile().to_dict()


def echo_doc(**card: Any) -> dict[str, Any]:
    return {"card": card, "applets": [{"type": "echo", "aid": "F0636172647769726503"}]}


@pytest.mark.parametrize(
    ("document", "key_path"),
    [
        ([], "profile"),
        ({"cards": {}}, "cards"),
        (echo_doc(logical_channel=4), "card.logical_channel"),
        (echo_doc(logical_channels="20"), "card.logical_channels"),
        (echo_doc(logical_channels=21), "card.logical_channels"),
        (echo_doc(logical_channels=0), "card.logical_channels"),
        (echo_doc(logical_channels=True), "card.logical_channels"),
        (echo_doc(extended_length="yes"), "card.extended_length"),
        (echo_doc(chaining=1), "card.chaining"),
        (echo_doc(wrong_le="6C"), "card.wrong_le"),
        (echo_doc(protocols=[2]), "card.protocols"),
        (echo_doc(protocols=[]), "card.protocols"),
        (echo_doc(protocols="T=1"), "card.protocols"),
        (echo_doc(historical_bytes="zz"), "card.historical_bytes"),
        (echo_doc(historical_bytes="00" * 16), "card.historical_bytes"),
        (echo_doc(default_applet="F000000000"), "card.default_applet"),
        (echo_doc(life_cycle="dead"), "card.life_cycle"),
        ({"applets": {"type": "echo"}}, "applets"),
        ({"applets": ["echo"]}, "applets[0]"),
        ({"applets": [{"aid": "F0636172647769726503"}]}, "applets[0].type"),
        ({"applets": [{"type": "echo"}]}, "applets[0].aid"),
        ({"applets": [{"type": "echo", "aid": "F000"}]}, "applets[0].aid"),
        ({"applets": [{"type": "echo", "aid": 12345}]}, "applets[0].aid"),
        (
            {
                "applets": [
                    {"type": "echo", "aid": "F0636172647769726503"},
                    {"type": "echo", "aid": "F0636172647769726503"},
                ]
            },
            "applets[1].aid",
        ),
    ],
)
def test_invalid_profiles_name_the_key_path(document: object, key_path: str) -> None:
    with pytest.raises(UsageError) as caught:
        Profile.from_dict(document)
    assert str(caught.value).startswith(key_path)


def test_applet_configuration_errors_name_the_applet(tmp_path: Path) -> None:
    from cardwire.sim.card import SimCard

    document = {"applets": [{"type": "echo", "aid": "F0636172647769726503", "colour": "red"}]}
    with pytest.raises(UsageError, match=r"applets\[0\]\.colour: unknown key"):
        SimCard(Profile.from_dict(document))
    path = tmp_path / "bad.yaml"
    path.write_text("card:\n  wrong_le: 6C00\n")
    with pytest.raises(UsageError, match=r"bad\.yaml: card\.wrong_le"):
        profiles.load(path)


@pytest.mark.parametrize(
    ("text", "json_format"), [("card: [unclosed", False), ("{nope", True), ("{}", True)]
)
def test_syntax_errors_are_decode_errors(text: str, json_format: bool) -> None:
    if text == "{}":  # an empty document is a valid profile with no applets
        assert profiles.loads(text, json_format=True).applets == ()
        return
    with pytest.raises(DecodeError):
        profiles.loads(text, json_format=json_format)


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read profile"):
        profiles.load(tmp_path / "absent.yaml")


def test_with_state_merges_exported_state_and_life_cycle() -> None:
    base = Profile.from_dict(echo_doc())
    merged = base.with_state("terminated", {ECHO_AID: {"type": "x", "aid": "00", "extra": 1}})
    assert merged.card.life_cycle == "terminated"
    assert merged.applets[0].section() == {
        "type": "echo",
        "aid": "F0636172647769726503",
        "extra": 1,
    }
    assert base.card == CardOptions()


def test_yaml_without_pyyaml_names_the_sim_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # PyYAML is the `sim` extra: JSON profiles work without it, YAML ones say what to install.
    monkeypatch.setitem(sys.modules, "yaml", None)  # `import yaml` now fails as when absent
    text = profiles.dumps(profiles.default_profile(), json_format=True)
    assert profiles.loads(text, json_format=True) == profiles.default_profile()
    with pytest.raises(UsageError, match=r"pip install 'cardwire\[sim\]'"):
        profiles.loads("card: {}")
    with pytest.raises(UsageError, match=r"pip install 'cardwire\[sim\]'"):
        profiles.dumps(profiles.default_profile())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("applets:\n  - type: x\n   bad: [1\n", "expected '-' indicator (while parsing a block "),
        ("card: {atr: [1, 2\n", "at line 2, column 1"),
        ("card:\n\tatr: 3B00\n", "at line 2, column 1"),
    ],
)
def test_a_yaml_error_is_one_line_with_line_and_column(text: str, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        profiles.loads(text, source="card.yaml")
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("card.yaml: not valid YAML: ")
    assert message in str(info.value)
    assert " at line " in str(info.value)


def test_a_profile_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "card.yaml"
    path.write_bytes(b"card:\n  label: \xe9t\xe9\n")
    with pytest.raises(DecodeError, match=r"card\.yaml: not a UTF-8 text file \(at offset 15\)"):
        profiles.load(path)
