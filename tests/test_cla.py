"""CLA: the class-byte tables of ISO/IEC 7816-4:2020 5.4.1 and GlobalPlatform 11.1.4, both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.cla import (
    Cla,
    ClassKind,
    SmIndication,
    build_cla,
    channel_of,
    parse_cla,
    with_chaining,
    with_channel,
    with_secure_messaging,
)
from cardwire.errors import UsageError

FIRST = ClassKind.FIRST_INTERINDUSTRY
FURTHER = ClassKind.FURTHER_INTERINDUSTRY
NONE = SmIndication.NONE
PROP = SmIndication.PROPRIETARY
HNA = SmIndication.HEADER_NOT_AUTHENTICATED
HA = SmIndication.HEADER_AUTHENTICATED

# (CLA, kind, channel, SM, chaining), from the bit tables of ISO/IEC 7816-4:2020 tables 2-3
# (first: 000x yyzz; further: 01yx zzzz) and GlobalPlatform Card Spec v2.3.1 11.1.4.
TABLE = [
    (0x00, FIRST, 0, NONE, False),
    (0x03, FIRST, 3, NONE, False),
    (0x04, FIRST, 0, PROP, False),  # seed 000 calls this "encrypted": ISO says proprietary SM
    (0x08, FIRST, 0, HNA, False),
    # ICAO Doc 9303 Part 11 Appendix D.4: every protected APDU of the worked example has CLA 0C.
    (0x0C, FIRST, 0, HA, False),
    (0x10, FIRST, 0, NONE, True),
    (0x1F, FIRST, 3, HA, True),
    (0x20, ClassKind.RESERVED, None, NONE, False),
    (0x3F, ClassKind.RESERVED, None, NONE, False),
    (0x40, FURTHER, 4, NONE, False),
    (0x4F, FURTHER, 19, NONE, False),
    (0x50, FURTHER, 4, NONE, True),
    (0x60, FURTHER, 4, HNA, False),
    (0x7F, FURTHER, 19, HNA, True),
    (0x80, ClassKind.GP_FIRST, 0, NONE, False),
    (0x83, ClassKind.GP_FIRST, 3, NONE, False),
    (0x84, ClassKind.GP_FIRST, 0, PROP, False),
    (0x87, ClassKind.GP_FIRST, 3, PROP, False),
    # GP Card Spec 11.1.4 codes b5 = 0; Java Card 3 Programming Notes ("Proprietary Java Card
    # Technology Space"): 0x9X is "not last command in chain" (DESFire's 0x90 decodes so too).
    (0x90, ClassKind.GP_FIRST, 0, NONE, True),
    (0x88, ClassKind.PROPRIETARY, None, NONE, False),
    (0xA0, ClassKind.PROPRIETARY, None, NONE, False),
    (0xB5, ClassKind.PROPRIETARY, None, NONE, False),
    (0xC0, ClassKind.GP_FURTHER, 4, NONE, False),
    (0xCF, ClassKind.GP_FURTHER, 19, NONE, False),
    (0xE0, ClassKind.GP_FURTHER, 4, PROP, False),
    (0xEF, ClassKind.GP_FURTHER, 19, PROP, False),
    (0xD3, ClassKind.GP_FURTHER, 7, NONE, True),
    (0xFE, ClassKind.GP_FURTHER, 18, PROP, True),
    (0xFF, ClassKind.INVALID, None, NONE, False),
]


@pytest.mark.parametrize(("value", "kind", "channel", "sm", "chaining"), TABLE)
def test_parse_table(
    value: int, kind: ClassKind, channel: int | None, sm: SmIndication, chaining: bool
) -> None:
    assert parse_cla(value) == Cla(value, kind, channel, sm, chaining)
    assert channel_of(value) == channel


@pytest.mark.parametrize(("value", "kind", "channel", "sm", "chaining"), TABLE)
def test_build_table(
    value: int, kind: ClassKind, channel: int | None, sm: SmIndication, chaining: bool
) -> None:
    if channel is None:
        return  # no build for classes without a channel
    gp = kind in (ClassKind.GP_FIRST, ClassKind.GP_FURTHER)
    assert build_cla(channel, sm, chaining, gp=gp) == value


@given(st.integers(0, 255))
def test_parse_never_raises_and_families_rebuild(value: int) -> None:
    cla = parse_cla(value)
    assert cla.value == value
    if cla.channel is None:
        assert cla.kind in (ClassKind.PROPRIETARY, ClassKind.RESERVED, ClassKind.INVALID)
        return
    assert 0 <= cla.channel <= 19
    assert build_cla(cla.channel, cla.sm, cla.chaining, gp=cla.gp) == value


@given(
    st.integers(0, 19),
    st.sampled_from(list(SmIndication)),
    st.booleans(),
    st.booleans(),
)
def test_build_then_parse(channel: int, sm: SmIndication, chaining: bool, gp: bool) -> None:
    try:
        value = build_cla(channel, sm, chaining, gp=gp)
    except UsageError:
        return
    cla = parse_cla(value)
    assert (cla.channel, cla.sm, cla.chaining, cla.gp) == (channel, sm, chaining, gp)


@pytest.mark.parametrize(
    ("channel", "sm", "chaining", "gp"),
    [
        (20, NONE, False, False),
        (-1, NONE, False, False),
        (4, HA, False, False),  # further classes only know "header not authenticated"
        (4, PROP, False, False),
        (0, HA, False, True),  # GP classes only know GP (proprietary) SM
        (19, PROP, True, True),  # would be FF
    ],
)
def test_build_impossible(channel: int, sm: SmIndication, chaining: bool, gp: bool) -> None:
    with pytest.raises(UsageError):
        build_cla(channel, sm, chaining, gp=gp)


@pytest.mark.parametrize("value", [-1, 256])
def test_parse_outside_byte(value: int) -> None:
    with pytest.raises(UsageError):
        parse_cla(value)


# with_secure_messaging: first interindustry -> b4-b3 = 11 (0C), further -> b6 (20), GP channels
# 0-3 -> b3 (04), GP channels 4-19 -> b6 (20); clearing removes the whole indication.
@pytest.mark.parametrize(
    ("before", "secured", "cleared"),
    [
        (0x00, 0x0C, 0x00),
        (0x13, 0x1F, 0x13),
        (0x04, 0x0C, 0x00),
        (0x08, 0x0C, 0x00),
        (0x41, 0x61, 0x41),
        (0x50, 0x70, 0x50),
        (0x80, 0x84, 0x80),
        (0x83, 0x87, 0x83),
        (0xC3, 0xE3, 0xC3),
        (0xCF, 0xEF, 0xCF),
    ],
)
def test_with_secure_messaging(before: int, secured: int, cleared: int) -> None:
    assert with_secure_messaging(before) == secured
    assert with_secure_messaging(secured, on=False) == cleared
    assert parse_cla(secured).sm is not NONE
    assert parse_cla(cleared).sm is NONE


@pytest.mark.parametrize(
    ("before", "channel", "after"),
    [
        (0x00, 1, 0x01),
        (0x00, 4, 0x40),
        (0x0C, 5, 0x61),  # SM moves to b6 in the further range
        (0x1C, 19, 0x7F),
        (0x61, 2, 0x0E),  # and back to b4-b3 = 11
        (0x08, 3, 0x0B),  # within the first range the SM coding is kept as it is
        (0x84, 6, 0xE2),
        (0xE2, 1, 0x85),
        (0x90, 4, 0xD0),
    ],
)
def test_with_channel(before: int, channel: int, after: int) -> None:
    assert with_channel(before, channel) == after
    assert channel_of(after) == channel


@pytest.mark.parametrize(("before", "after"), [(0x00, 0x10), (0x4A, 0x5A), (0x84, 0x94)])
def test_with_chaining(before: int, after: int) -> None:
    assert with_chaining(before) == after
    assert with_chaining(after, on=False) == before
    assert with_chaining(after) == after


@pytest.mark.parametrize("value", [0x20, 0xA0, 0xFF])
def test_modifiers_refuse_classes_without_family(value: int) -> None:
    with pytest.raises(UsageError):
        with_channel(value, 1)
    with pytest.raises(UsageError):
        with_chaining(value)
    with pytest.raises(UsageError):
        with_secure_messaging(value)


def test_modifiers_refuse_ff() -> None:
    with pytest.raises(UsageError):
        with_chaining(0xEF)
    with pytest.raises(UsageError):
        with_secure_messaging(0xDF)
    with pytest.raises(UsageError):
        with_channel(0x00, 20)


@given(st.integers(0, 255), st.integers(0, 19))
def test_with_channel_keeps_family_and_flags(value: int, channel: int) -> None:
    cla = parse_cla(value)
    if cla.channel is None:
        return
    try:
        moved = parse_cla(with_channel(value, channel))
    except UsageError:
        assert cla.gp and channel == 19  # only GP channel 19 with SM and chaining is impossible
        return
    assert moved.channel == channel
    assert moved.gp == cla.gp
    assert moved.chaining == cla.chaining
    assert (moved.sm is NONE) == (cla.sm is NONE)
