"""The class byte CLA: class family, logical channel, secure-messaging indication, chaining.

Interindustry classes (ISO/IEC 7816-4:2020 5.4.1, tables 2 and 3):

- first interindustry ``000x yyzz`` (0x00-0x1F): channel ``zz`` (0-3), SM ``yy`` (00 none,
  01 proprietary, 10 header not authenticated, 11 header authenticated), chaining ``x`` (b5);
- further interindustry ``01yx zzzz`` (0x40-0x7F): channel 4 + ``zzzz`` (4-19), SM ``y`` (b6,
  only "header not authenticated" exists there), chaining ``x`` (b5);
- 0x20-0x3F are reserved, 0xFF is invalid.

GlobalPlatform classes (GlobalPlatform Card Specification v2.3.1, 11.1.4, class byte coding
tables): ``1000 yyzz`` (0x80-0x83) are channels 0-3 with b4-b3 the SM indication (01 is GP
secure messaging: 0x84-0x87); ``11y0 zzzz`` (0xC0-0xCF) are channels 4-19 with b6 the indication
(0xE0-0xEF). GlobalPlatform itself codes b5 = 0 in both tables: it defines no chaining by CLA.
cardwire also decodes the b5 = 1 values (0x90-0x97, 0xD0-0xDF, 0xF0-0xFE) as channel + SM +
chaining, because the Java Card runtime that routes GlobalPlatform and applet commands reads the
whole proprietary space that way (Java Card 3 Platform Programming Notes, "Proprietary Java Card
Technology Space": 0x9X / 0xDX / 0xFX are "not last command in chain"). So a class that is not
Java Card's, e.g. MIFARE DESFire's native wrapping class 0x90, decodes as channel 0 with
chaining; such a card's own class semantics are outside this module. Every other class with
b8 = 1 is proprietary and preserved as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cardwire.errors import UsageError

MAX_CHANNEL = 19
FIRST_CHANNELS = 4  # channels 0-3 live in the "first" ranges

_CHAINING = 0x10  # b5 in every class family that has it
_FIRST_SM_MASK = 0x0C  # b4-b3, first interindustry
_FURTHER_SM = 0x20  # b6, further interindustry and GP channels 4-19
_GP_FIRST_SM = 0x04  # b3, GP channels 0-3
_INVALID = 0xFF


class SmIndication(StrEnum):
    """Secure-messaging indication of a class byte (ISO 7816-4:2020 table 2)."""

    NONE = "none"
    PROPRIETARY = "proprietary"
    HEADER_NOT_AUTHENTICATED = "header-not-authenticated"
    HEADER_AUTHENTICATED = "header-authenticated"


class ClassKind(StrEnum):
    """Which class family a CLA value belongs to."""

    FIRST_INTERINDUSTRY = "first-interindustry"
    FURTHER_INTERINDUSTRY = "further-interindustry"
    GP_FIRST = "gp-first"
    GP_FURTHER = "gp-further"
    PROPRIETARY = "proprietary"
    RESERVED = "reserved"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Cla:
    """A decoded class byte. ``channel`` is None for classes that carry no channel number."""

    value: int
    kind: ClassKind
    channel: int | None
    sm: SmIndication
    chaining: bool

    @property
    def interindustry(self) -> bool:
        return self.kind in (ClassKind.FIRST_INTERINDUSTRY, ClassKind.FURTHER_INTERINDUSTRY)

    @property
    def gp(self) -> bool:
        return self.kind in (ClassKind.GP_FIRST, ClassKind.GP_FURTHER)


# ISO 7816-4:2020 table 2: b4-b3 of a first interindustry class.
_FIRST_SM_CODES = {
    0b00: SmIndication.NONE,
    0b01: SmIndication.PROPRIETARY,
    0b10: SmIndication.HEADER_NOT_AUTHENTICATED,
    0b11: SmIndication.HEADER_AUTHENTICATED,
}
_FIRST_SM_BITS = {sm: code << 2 for code, sm in _FIRST_SM_CODES.items()}


def _check_byte(value: int) -> None:
    if not isinstance(value, int) or not 0 <= value <= 0xFF:
        raise UsageError(f"a class byte is 0..255, got {value!r}")


def _check_channel(channel: int) -> None:
    if not isinstance(channel, int) or not 0 <= channel <= MAX_CHANNEL:
        raise UsageError(f"logical channel must be 0..{MAX_CHANNEL}, got {channel!r}")


def _kind(value: int) -> ClassKind:
    if value == _INVALID:
        return ClassKind.INVALID  # ISO 7816-4 5.4.1: 'FF' is invalid
    if value < 0x20:
        return ClassKind.FIRST_INTERINDUSTRY
    if value < 0x40:
        return ClassKind.RESERVED  # ISO 7816-4 table 2: 001x xxxx is reserved
    if value < 0x80:
        return ClassKind.FURTHER_INTERINDUSTRY
    # GP Card Spec 11.1.4 codes x (b5) = 0; x = 1 is Java Card's chaining (see the docstring).
    if value & 0xE8 == 0x80:  # 100x 0yzz: GP channels 0-3 (b4 = 0)
        return ClassKind.GP_FIRST
    if value & 0xC0 == 0xC0:  # 11yx zzzz: GP channels 4-19
        return ClassKind.GP_FURTHER
    return ClassKind.PROPRIETARY


def parse_cla(value: int) -> Cla:
    """Decode a class byte. Never raises for 0..255: reserved and invalid values are flagged."""
    if type(value) is int and 0 <= value <= 0xFF:  # the usual call: a plain int in range
        return _DECODED[value]
    _check_byte(value)
    return _DECODED[value]


def _decode(value: int) -> Cla:
    kind = _kind(value)
    chaining = bool(value & _CHAINING)
    if kind is ClassKind.FIRST_INTERINDUSTRY:
        sm = _FIRST_SM_CODES[(value & _FIRST_SM_MASK) >> 2]
        return Cla(value, kind, value & 0x03, sm, chaining)
    if kind is ClassKind.FURTHER_INTERINDUSTRY:
        # ISO 7816-4 table 3: b6 = 1 is "SM, command header not authenticated".
        sm = SmIndication.HEADER_NOT_AUTHENTICATED if value & _FURTHER_SM else SmIndication.NONE
        return Cla(value, kind, FIRST_CHANNELS + (value & 0x0F), sm, chaining)
    if kind is ClassKind.GP_FIRST:
        # GP Card Spec 11.1.4: b3 is GlobalPlatform (proprietary) secure messaging.
        sm = SmIndication.PROPRIETARY if value & _GP_FIRST_SM else SmIndication.NONE
        return Cla(value, kind, value & 0x03, sm, chaining)
    if kind is ClassKind.GP_FURTHER:
        sm = SmIndication.PROPRIETARY if value & _FURTHER_SM else SmIndication.NONE
        return Cla(value, kind, FIRST_CHANNELS + (value & 0x0F), sm, chaining)
    return Cla(value, kind, None, SmIndication.NONE, False)


# Every class byte decoded once (parsing is pure and runs on every command APDU).
_DECODED = tuple(_decode(value) for value in range(0x100))


def build_cla(
    channel: int = 0,
    sm: SmIndication = SmIndication.NONE,
    chaining: bool = False,
    gp: bool = False,
) -> int:
    """The class byte for ``channel`` with the given SM indication and chaining bit.

    ``gp=True`` builds a GlobalPlatform class (0x80-0x87, 0xC0-0xEF); there only NONE and
    PROPRIETARY (GlobalPlatform secure messaging) exist. Impossible combinations raise UsageError.
    """
    if (
        sm is SmIndication.NONE
        and not (chaining or gp)
        and type(channel) is int
        and 0 <= channel < FIRST_CHANNELS
    ):
        return channel  # ISO 7816-4 table 2: 0000 00zz, the class of almost every command
    _check_channel(channel)
    sm = SmIndication(sm)
    value = _CHAINING if chaining else 0
    if gp:
        if sm not in (SmIndication.NONE, SmIndication.PROPRIETARY):
            raise UsageError(f"GlobalPlatform classes indicate only proprietary SM, not {sm}")
        secured = sm is SmIndication.PROPRIETARY
        if channel < FIRST_CHANNELS:
            value |= 0x80 | channel | (_GP_FIRST_SM if secured else 0)
        else:
            value |= 0xC0 | (channel - FIRST_CHANNELS) | (_FURTHER_SM if secured else 0)
        if value == _INVALID:
            raise UsageError("channel 19 with SM and chaining would be CLA FF, which is invalid")
        return value
    if channel < FIRST_CHANNELS:
        return value | channel | _FIRST_SM_BITS[sm]
    if sm in (SmIndication.PROPRIETARY, SmIndication.HEADER_AUTHENTICATED):
        # ISO 7816-4 table 3: further interindustry classes only know "header not authenticated".
        raise UsageError(f"channel {channel} (further interindustry class) cannot indicate SM {sm}")
    secured = sm is SmIndication.HEADER_NOT_AUTHENTICATED
    return value | 0x40 | (channel - FIRST_CHANNELS) | (_FURTHER_SM if secured else 0)


def _with_family(value: int) -> Cla:
    cla = parse_cla(value)
    if not (cla.interindustry or cla.gp):
        raise UsageError(
            f"CLA {value:02X} is a {cla.kind} class: it has no channel, SM or chaining"
        )
    return cla


def with_channel(value: int, channel: int) -> int:
    """``value`` moved to ``channel``: same family (interindustry or GP), SM and chaining.

    Moving between the first (0-3) and further (4-19) ranges maps any SM indication to the one the
    target range has (ISO 7816-4 tables 2-3; GP Card Spec 11.1.4).
    """
    cla = _with_family(value)
    _check_channel(channel)
    secured = cla.sm is not SmIndication.NONE
    if cla.gp:
        sm = SmIndication.PROPRIETARY if secured else SmIndication.NONE
        return build_cla(channel, sm, cla.chaining, gp=True)
    if channel < FIRST_CHANNELS:
        if cla.kind is ClassKind.FIRST_INTERINDUSTRY:
            sm = cla.sm
        else:
            sm = SmIndication.HEADER_AUTHENTICATED if secured else SmIndication.NONE
    else:
        sm = SmIndication.HEADER_NOT_AUTHENTICATED if secured else SmIndication.NONE
    return build_cla(channel, sm, cla.chaining)


def with_chaining(value: int, on: bool = True) -> int:
    """``value`` with the command-chaining bit b5 set or cleared (ISO 7816-4 5.4.1)."""
    _with_family(value)
    result = value | _CHAINING if on else value & ~_CHAINING
    if result == _INVALID:
        raise UsageError(f"setting the chaining bit on CLA {value:02X} gives FF, which is invalid")
    return result


def with_secure_messaging(value: int, on: bool = True) -> int:
    """``value`` with its family's secure-messaging indication set or cleared.

    First interindustry: b4-b3 = 11 (header authenticated, 0x0C); further interindustry: b6
    (0x20); GP channels 0-3: b3 (0x04); GP channels 4-19: b6 (0x20).
    """
    cla = _with_family(value)
    if cla.kind is ClassKind.FIRST_INTERINDUSTRY:
        bits, mask = _FIRST_SM_MASK, _FIRST_SM_MASK
    elif cla.kind is ClassKind.GP_FIRST:
        bits, mask = _GP_FIRST_SM, _GP_FIRST_SM
    else:
        bits, mask = _FURTHER_SM, _FURTHER_SM
    result = (value & ~mask) | (bits if on else 0)
    if result == _INVALID:
        raise UsageError(f"setting SM on CLA {value:02X} gives FF, which is invalid")
    return result


def channel_of(value: int) -> int | None:
    """The logical channel a class byte addresses, or None for classes without one."""
    return parse_cla(value).channel
