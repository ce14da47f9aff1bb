"""Command and response APDUs (ISO/IEC 7816-4:2020 section 5.1, "Command-response pairs").

A command is ``CLA INS P1 P2 [Lc data] [Le]``. The four cases, in short or extended form:

====  ===========================  ====================================
case  short                        extended
====  ===========================  ====================================
1     header                       (no extended form)
2     header Le(1)                 header 00 Le(2)
3     header Lc(1) data            header 00 Lc(2) data
4     header Lc(1) data Le(1)      header 00 Lc(2) data Le(2)
====  ===========================  ====================================

Ne is the maximum number of response data bytes expected: short Le ``00`` means 256, extended
Le ``0000`` means 65536. Lc = 0 is not a valid encoding, and short and extended length fields
never mix in one APDU (ISO 7816-4 5.1).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Self

from cardwire.errors import DecodeError, UsageError

MAX_SHORT_NC = 255
MAX_SHORT_NE = 256
MAX_EXTENDED_NC = 65535
MAX_EXTENDED_NE = 65536


# How a frozen dataclass stores its fields (its generated __init__ does the same): the class's own
# __setattr__ refuses every assignment, object's stores into the slot.
_store = object.__setattr__


def _as_bytes(data: object) -> bytes:
    """The data field as ``bytes`` (bytearray and memoryview are copied, a bytes subclass is
    kept), else UsageError."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise UsageError(f"data must be bytes, got {type(data).__name__}")


def _refuse_header(**fields: object) -> None:
    """Name the first of CLA INS P1 P2 that is not a byte (the check has already failed)."""
    for name, value in fields.items():
        if not isinstance(value, int) or not 0 <= value <= 0xFF:
            raise UsageError(f"{name} must be a byte (0..255), got {value!r}")


@dataclass(frozen=True, slots=True, init=False)
class Command:
    """A command APDU. Frozen; ``data`` is ``bytes``.

    ``extended`` chooses the length-field form: ``None`` picks short when the APDU fits and
    extended otherwise, ``True`` forces extended, ``False`` forces short (a usage error when
    Nc or Ne do not fit). Decoding sets ``True`` only for APDUs that were extended on the wire
    although they would fit the short form, so ``Command.decode(raw).encode() == raw`` for every
    valid ``raw`` and a decoded APDU equals the one built from the same fields.
    """

    cla: int
    ins: int
    p1: int = 0
    p2: int = 0
    data: bytes = b""
    ne: int = 0
    extended: bool | None = None

    def __init__(
        self,
        cla: int,
        ins: int,
        p1: int = 0,
        p2: int = 0,
        data: bytes = b"",
        ne: int = 0,
        extended: bool | None = None,
    ) -> None:
        # The one construction path (decode, the layers, replace()): each rule checked once on
        # the arguments, then the fields stored as a frozen dataclass stores them.
        if not (
            isinstance(cla, int)  # an Ins member is an int too
            and isinstance(ins, int)
            and isinstance(p1, int)
            and isinstance(p2, int)
            and 0 <= cla | ins | p1 | p2 <= 0xFF  # ISO 7816-4 5.1: a 4-byte header
        ):
            _refuse_header(cla=cla, ins=ins, p1=p1, p2=p2)
        if type(data) is not bytes:
            data = _as_bytes(data)
        if len(data) > MAX_EXTENDED_NC:  # ISO 7816-4 5.1: extended Lc is at most FFFF
            raise UsageError(f"Nc={len(data)} exceeds the maximum of {MAX_EXTENDED_NC}")
        if not isinstance(ne, int) or not 0 <= ne <= MAX_EXTENDED_NE:
            raise UsageError(f"Ne must be 0..{MAX_EXTENDED_NE}, got {ne!r}")
        if extended is True and not data and ne == 0:  # ISO 7816-4 5.1: case 1 is short only
            raise UsageError("a case 1 APDU (no data, no Le) has no extended form")
        if extended is False and (len(data) > MAX_SHORT_NC or ne > MAX_SHORT_NE):
            raise UsageError(
                f"Nc={len(data)}, Ne={ne} do not fit a short APDU "
                f"(Nc <= {MAX_SHORT_NC}, Ne <= {MAX_SHORT_NE})"
            )
        _store(self, "cla", cla)
        _store(self, "ins", ins)
        _store(self, "p1", p1)
        _store(self, "p2", p2)
        _store(self, "data", data)
        _store(self, "ne", ne)
        _store(self, "extended", extended)

    @property
    def nc(self) -> int:
        """Number of bytes in the command data field."""
        return len(self.data)

    @property
    def is_extended(self) -> bool:
        """Whether the length fields are encoded in extended form."""
        if self.extended is not None:
            return self.extended
        return len(self.data) > MAX_SHORT_NC or self.ne > MAX_SHORT_NE

    @property
    def case(self) -> str:
        """The ISO 7816-4 case: "1", "2S", "3S", "4S", "2E", "3E" or "4E"."""
        if not self.data and not self.ne:
            return "1"
        number = "4" if self.data and self.ne else ("3" if self.data else "2")
        return number + ("E" if self.is_extended else "S")

    @property
    def header(self) -> bytes:
        return bytes((self.cla, self.ins, self.p1, self.p2))

    @property
    def name(self) -> str | None:
        """The command's name from the INS tables (``"READ BINARY"``), or None if unknown."""
        from cardwire.ins import command_name

        return command_name(self.cla, self.ins)

    def replace(self, **changes: object) -> Command:
        """A copy with the given fields changed (validated like a new Command)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def encode(self) -> bytes:
        """The APDU's bytes, in short or extended form as ``is_extended`` says."""
        nc, ne = len(self.data), self.ne
        out = bytearray((self.cla, self.ins, self.p1, self.p2))
        if self.is_extended:
            # ISO 7816-4 5.1: extended Lc is 00 followed by two bytes; Le after data is two
            # bytes, Le alone is 00 followed by two bytes; 65536 is encoded as 0000.
            if nc:
                out += b"\x00" + nc.to_bytes(2, "big") + self.data
                if ne:
                    out += (ne & 0xFFFF).to_bytes(2, "big")
            elif ne:
                out += b"\x00" + (ne & 0xFFFF).to_bytes(2, "big")
        else:
            if nc:
                out.append(nc)
                out += self.data
            if ne:
                out.append(ne & 0xFF)  # short Le 00 means 256
        return bytes(out)

    def __bytes__(self) -> bytes:
        return self.encode()

    @classmethod
    def decode(cls, raw: bytes) -> Self:
        """Decode a command APDU strictly; any inconsistency raises :class:`DecodeError`."""
        raw = bytes(raw)
        size = len(raw)
        if size < 4:
            raise DecodeError(f"a command APDU needs a 4-byte header, got {size} bytes", size)
        cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
        if size == 4:
            return cls(cla, ins, p1, p2)
        b5 = raw[4]
        if size == 5:  # case 2S
            return cls(cla, ins, p1, p2, b"", b5 or MAX_SHORT_NE)
        if b5 != 0:  # short Lc
            if size == 5 + b5:
                return cls(cla, ins, p1, p2, raw[5:])
            if size == 6 + b5:
                return cls(cla, ins, p1, p2, raw[5:-1], raw[-1] or MAX_SHORT_NE)
            if size < 5 + b5:
                raise DecodeError(
                    f"short Lc={b5} announces more data than the {size - 5} bytes present", 4
                )
            raise DecodeError(
                f"{size - 6 - b5} trailing bytes after short Lc={b5}, data and Le", 6 + b5
            )
        # b5 == 0 and more bytes follow: extended length fields.
        if size == 6:
            raise DecodeError("a 00 length byte followed by one byte is neither Lc nor Le", 4)
        ext = int.from_bytes(raw[5:7], "big")
        if size == 7:  # case 2E
            return cls._extended(cla, ins, p1, p2, b"", ext or MAX_EXTENDED_NE)
        if ext == 0:
            raise DecodeError("extended Lc=0 is not a valid encoding", 5)
        if size == 7 + ext:
            return cls._extended(cla, ins, p1, p2, raw[7:], 0)
        if size == 9 + ext:
            le = int.from_bytes(raw[-2:], "big")
            return cls._extended(cla, ins, p1, p2, raw[7:-2], le or MAX_EXTENDED_NE)
        if size < 7 + ext:
            raise DecodeError(
                f"extended Lc={ext} announces more data than the {size - 7} bytes present", 5
            )
        if size == 8 + ext:
            raise DecodeError("extended Le must be two bytes, found one", 7 + ext)
        raise DecodeError(
            f"{size - 9 - ext} trailing bytes after extended Lc={ext}, data and Le", 9 + ext
        )

    @classmethod
    def _extended(cls, cla: int, ins: int, p1: int, p2: int, data: bytes, ne: int) -> Self:
        fits_short = len(data) <= MAX_SHORT_NC and ne <= MAX_SHORT_NE
        return cls(cla, ins, p1, p2, data, ne, extended=True if fits_short else None)

    def __repr__(self) -> str:
        from cardwire.ins import carries_secret

        if self.data and carries_secret(self.cla, self.ins):  # PINs, PUKs, keys: ins.py
            return f"Command({self.header.hex().upper()} <{len(self.data)} data bytes redacted>)"
        return f"Command({self.encode().hex().upper()})"


@dataclass(frozen=True, slots=True, init=False)
class Response:
    """A response APDU: data field and the two-byte status word (ISO 7816-4 5.1)."""

    data: bytes = b""
    sw: int = 0x9000

    def __init__(self, data: bytes = b"", sw: int = 0x9000) -> None:
        if type(data) is not bytes:
            data = _as_bytes(data)
        if not isinstance(sw, int) or not 0 <= sw <= 0xFFFF:  # ISO 7816-4 5.1: SW1 SW2
            raise UsageError(f"sw must be 0..0xFFFF, got {sw!r}")
        _store(self, "data", data)
        _store(self, "sw", sw)

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    @property
    def ok(self) -> bool:
        """True for 9000 (normal processing, ISO 7816-4 5.6)."""
        return self.sw == 0x9000

    def encode(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")

    def __bytes__(self) -> bytes:
        return self.encode()

    @classmethod
    def decode(cls, raw: bytes) -> Self:
        """Decode a response APDU: data followed by SW1 SW2."""
        raw = bytes(raw)
        if len(raw) < 2:
            raise DecodeError(f"a response APDU needs SW1 SW2, got {len(raw)} bytes", len(raw))
        return cls(raw[:-2], raw[-2] << 8 | raw[-1])

    def check(self, command: Command | None = None) -> Self:
        """Return self if the status word means success, else raise the typed StatusError."""
        from cardwire.sw import check

        check(self.sw, command)
        return self

    def __repr__(self) -> str:
        return f"Response({self.encode().hex().upper()})"
