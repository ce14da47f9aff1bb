"""Access rules: parsing, checking against a channel's security status, compact FCP coding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.errors import UsageError
from cardwire.sim.access import (
    AccessRule,
    FileAccess,
    Operation,
    SecurityStatus,
)

PIN1 = SecurityStatus(pins=frozenset({1}))
KEY1 = SecurityStatus(keys=frozenset({1}))
SECURED = SecurityStatus(secured=True)
NOTHING = SecurityStatus()
ALL = SecurityStatus(pins=frozenset({1, 2}), keys=frozenset({1}), secured=True)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("always", "always"),
        ("never", "never"),
        ("pin:1", "pin:1"),
        ("key:3", "key:3"),
        ("sm", "sm"),
        ("sm+pin:1", "pin:1+sm"),
        (" PIN:2 + key:1 ", "pin:2+key:1"),
        ("pin:2+pin:1", "pin:1+pin:2"),
    ],
)
def test_parse_gives_canonical_text(text: str, canonical: str) -> None:
    assert str(AccessRule.parse(text)) == canonical
    assert AccessRule.parse(canonical) == AccessRule.parse(text)


@pytest.mark.parametrize(
    "text", ["", "sometimes", "pin:", "pin:x", "pin:256", "key:-1", "never+pin:1", "always+sm"]
)
def test_parse_refuses_malformed_rules(text: str) -> None:
    with pytest.raises(UsageError):
        AccessRule.parse(text)


@pytest.mark.parametrize(
    ("rule", "status", "sw"),
    [
        ("always", NOTHING, None),
        ("never", ALL, 0x6986),  # never: command not allowed, whatever the status
        ("pin:1", NOTHING, 0x6982),
        ("pin:1", PIN1, None),
        ("pin:1", KEY1, 0x6982),
        ("key:1", KEY1, None),
        ("key:1", PIN1, 0x6982),
        ("sm", NOTHING, 0x6982),
        ("sm", SECURED, None),
        ("pin:1+sm", PIN1, 0x6982),  # "+" means all conditions
        ("pin:1+sm", SECURED, 0x6982),
        ("pin:1+sm", ALL, None),
        ("pin:1+pin:2", PIN1, 0x6982),
    ],
)
def test_denial(rule: str, status: SecurityStatus, sw: int | None) -> None:
    assert AccessRule.parse(rule).denial(status) == sw


# Security condition byte, ISO/IEC 7816-4 compact format: 00 always, FF never, b7 SM,
# b6 external authentication, b5 user authentication, b8 "all conditions" when several.
@pytest.mark.parametrize(
    ("rule", "byte"),
    [
        ("always", 0x00),
        ("never", 0xFF),
        ("pin:1", 0x10),
        ("key:1", 0x20),
        ("sm", 0x40),
        ("pin:1+sm", 0xD0),
        ("pin:1+key:1+sm", 0xF0),
        ("pin:1+pin:2", 0x90),
    ],
)
def test_compact_condition_byte(rule: str, byte: int) -> None:
    assert AccessRule.parse(rule).compact_condition() == byte


def test_file_access_defaults_follow_update() -> None:
    access = FileAccess.from_config({"read": "always", "update": "pin:1"})
    assert access.to_config() == {
        "read": "always",
        "update": "pin:1",
        "append": "pin:1",
        "erase": "pin:1",
    }
    assert FileAccess.from_config({}).rule(Operation.READ) == AccessRule(never=True)


def test_file_access_round_trip() -> None:
    config = {"read": "sm", "update": "never", "append": "always", "erase": "key:2"}
    assert FileAccess.from_config(config).to_config() == config


def test_file_access_compact_value() -> None:
    # AM byte 07 (b3 append, b2 update/erase, b1 read), then SC bytes in b3, b2, b1 order.
    access = FileAccess.from_config({"read": "always", "update": "pin:1", "append": "never"})
    assert access.compact() == bytes((0x07, 0xFF, 0x10, 0x00))


def test_file_access_refuses_unknown_operations() -> None:
    with pytest.raises(UsageError):
        FileAccess.from_config({"delete": "always"})


@given(st.text(max_size=30))
def test_any_text_parses_or_raises_usage_error(text: str) -> None:
    try:
        rule = AccessRule.parse(text)
    except UsageError:
        return
    assert AccessRule.parse(str(rule)) == rule


@given(
    st.frozensets(st.integers(1, 255), max_size=3),
    st.frozensets(st.integers(1, 255), max_size=3),
    st.booleans(),
)
def test_rule_text_round_trip(pins: frozenset[int], keys: frozenset[int], sm: bool) -> None:
    rule = AccessRule(pins=pins, keys=keys, sm=sm)
    assert AccessRule.parse(str(rule)) == rule
    # A rule is satisfied by exactly the status that holds its conditions.
    assert rule.denial(SecurityStatus(pins, keys, sm)) is None
