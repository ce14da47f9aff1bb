"""Access rules of the simulated file system: who may read, update, append to or erase a file.

A rule is a string: ``always``, ``never``, ``pin:N`` (reference data N verified on this channel),
``key:N`` (EXTERNAL AUTHENTICATE with key N succeeded on this channel), ``sm`` (the command
arrived under secure messaging), joined by ``+`` when all are required (``pin:1+sm``).

Security status is per logical channel (ISO/IEC 7816-4:2020 5.4.2: each channel has its own
security status), so a rule is checked against a :class:`SecurityStatus` the applet builds from
the channel's state.

Status words (ISO/IEC 7816-4:2020 5.6, table 6): an unsatisfied rule answers 6982 "security status
not satisfied"; ``never`` answers 6986 "command not allowed" for every operation (the card cannot
ever allow it, so no security status would help; a deliberate choice, see docs/simulator.md).

In the FCP, rules are shown in the compact format (tag 8C, ISO/IEC 7816-4 "security attributes,
compact format": an access-mode byte followed by one security-condition byte per bit set). The
compact format names the kind of condition (user authentication, external authentication, secure
messaging) but not the PIN or key reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cardwire.errors import UsageError
from cardwire.sw import SW

_ALWAYS = "always"
_NEVER = "never"
_SM = "sm"

# ISO/IEC 7816-4 compact format, security condition byte: 00 always, FF never; b8 = 1 "all
# conditions" (else "at least one"), b7 secure messaging, b6 external authentication, b5 user
# authentication (PIN), b4-b1 security environment number (0: none).
SC_ALWAYS = 0x00
SC_NEVER = 0xFF
SC_ALL_CONDITIONS = 0x80
SC_SECURE_MESSAGING = 0x40
SC_EXTERNAL_AUTHENTICATION = 0x20
SC_USER_AUTHENTICATION = 0x10

# ISO/IEC 7816-4 compact format, access-mode byte for EFs: b3 WRITE/APPEND, b2 UPDATE/ERASE,
# b1 READ/SEARCH (b7-b4: DELETE FILE, TERMINATE EF, ACTIVATE, DEACTIVATE, not offered here).
AM_WRITE_APPEND = 0x04
AM_UPDATE_ERASE = 0x02
AM_READ_SEARCH = 0x01


class Operation(StrEnum):
    """The operations an access rule governs."""

    READ = "read"
    UPDATE = "update"
    APPEND = "append"
    ERASE = "erase"


@dataclass(frozen=True, slots=True)
class SecurityStatus:
    """What one channel has achieved: verified PIN references, authenticated key references,
    and whether the current command arrived under secure messaging."""

    pins: frozenset[int] = frozenset()
    keys: frozenset[int] = frozenset()
    secured: bool = False


@dataclass(frozen=True, slots=True)
class AccessRule:
    """One parsed access rule. ``never`` excludes every other condition."""

    never: bool = False
    pins: frozenset[int] = frozenset()
    keys: frozenset[int] = frozenset()
    sm: bool = False

    @classmethod
    def parse(cls, text: str) -> AccessRule:
        """Parse ``always``, ``never``, ``pin:N``, ``key:N``, ``sm`` and their ``+`` joins."""
        if not isinstance(text, str):
            raise UsageError(f"an access rule must be a string, got {type(text).__name__}")
        parts = [part.strip().lower() for part in text.split("+")]
        if parts == [_ALWAYS]:
            return cls()
        if parts == [_NEVER]:
            return cls(never=True)
        pins: set[int] = set()
        keys: set[int] = set()
        sm = False
        for part in parts:
            if part == _SM:
                sm = True
            elif part.startswith(("pin:", "key:")):
                kind, _, number = part.partition(":")
                reference = _reference(number, text)
                (pins if kind == "pin" else keys).add(reference)
            else:
                raise UsageError(f"unknown access condition {part!r} in rule {text!r}")
        return cls(pins=frozenset(pins), keys=frozenset(keys), sm=sm)

    def __str__(self) -> str:
        if self.never:
            return _NEVER
        parts = [f"pin:{n}" for n in sorted(self.pins)] + [f"key:{n}" for n in sorted(self.keys)]
        if self.sm:
            parts.append(_SM)
        return "+".join(parts) or _ALWAYS

    def denial(self, status: SecurityStatus) -> int | None:
        """The status word refusing access under ``status``, or None when access is granted."""
        if self.never:
            return SW.COMMAND_NOT_ALLOWED_NO_CURRENT_EF  # 6986: never allowed (documented choice)
        satisfied = (
            self.pins <= status.pins
            and self.keys <= status.keys
            and (status.secured or not self.sm)
        )
        return None if satisfied else SW.SECURITY_STATUS_NOT_SATISFIED

    def compact_condition(self) -> int:
        """The security-condition byte of the compact format (ISO/IEC 7816-4, see module doc)."""
        if self.never:
            return SC_NEVER
        bits = 0
        if self.sm:
            bits |= SC_SECURE_MESSAGING
        if self.keys:
            bits |= SC_EXTERNAL_AUTHENTICATION
        if self.pins:
            bits |= SC_USER_AUTHENTICATION
        if bin(bits).count("1") > 1 or len(self.pins) > 1 or len(self.keys) > 1:
            bits |= SC_ALL_CONDITIONS  # several conditions, all required
        return bits


def _reference(number: str, text: str) -> int:
    if not number.isdigit() or not 0 <= int(number) <= 0xFF:
        raise UsageError(f"a PIN or key reference must be a number 0-255 in rule {text!r}")
    return int(number)


ALWAYS = AccessRule()
NEVER = AccessRule(never=True)


@dataclass(frozen=True, slots=True)
class FileAccess:
    """The rules of one file, one per operation."""

    read: AccessRule = ALWAYS
    update: AccessRule = NEVER
    append: AccessRule = NEVER
    erase: AccessRule = NEVER

    @classmethod
    def from_config(cls, config: Mapping[str, object] | None) -> FileAccess:
        """Rules from a profile mapping ``{operation: rule}``.

        Missing ``read`` and ``update`` mean ``never``; missing ``append`` and ``erase`` take the
        ``update`` rule (they change the file just as UPDATE does, and the compact format shows
        UPDATE and ERASE under one bit)."""
        config = config or {}
        if not isinstance(config, Mapping):
            raise UsageError("a file's access rules must be a mapping of operation to rule")
        unknown = set(config) - {op.value for op in Operation}
        if unknown:
            raise UsageError(f"unknown access operation(s): {', '.join(sorted(unknown))}")

        def rule(op: Operation, default: AccessRule) -> AccessRule:
            text = config.get(op.value)
            return default if text is None else AccessRule.parse(str(text))

        update = rule(Operation.UPDATE, NEVER)
        return cls(
            read=rule(Operation.READ, NEVER),
            update=update,
            append=rule(Operation.APPEND, update),
            erase=rule(Operation.ERASE, update),
        )

    def to_config(self) -> dict[str, str]:
        """The profile mapping (every operation spelled out)."""
        return {op.value: str(self.rule(op)) for op in Operation}

    def rule(self, operation: Operation) -> AccessRule:
        return {
            Operation.READ: self.read,
            Operation.UPDATE: self.update,
            Operation.APPEND: self.append,
            Operation.ERASE: self.erase,
        }[operation]

    def compact(self) -> bytes:
        """Value of the FCP's compact security attributes (tag 8C) for an EF: AM byte 07, then
        the SC bytes for b3 (APPEND), b2 (UPDATE/ERASE, shown with the UPDATE rule), b1 (READ)."""
        return bytes(
            (
                AM_WRITE_APPEND | AM_UPDATE_ERASE | AM_READ_SEARCH,
                self.append.compact_condition(),
                self.update.compact_condition(),
                self.read.compact_condition(),
            )
        )
