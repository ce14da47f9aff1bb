"""BER-TLV and SIMPLE-TLV data objects (ISO/IEC 7816-4:2020 sections 6.2 and 6.3).

COMPACT-TLV, which only the historical bytes use, lives with them in :mod:`cardwire.atr.historical`.

BER-TLV (ISO/IEC 7816-4:2020 6.3, coding from ISO/IEC 8825-1 8.1):

- Tag: first byte b8-b7 class, b6 constructed, b5-b1 number; b5-b1 = 11111 means the number
  continues in subsequent bytes, 7 bits each, b8 set on every byte but the last. A :class:`Tlv`
  keeps the tag as the int of its bytes (``0x5F1F``, ``0x7F49``, ``0x87``).
- Length: ``00``-``7F`` in one byte, or ``8N`` followed by N = 1..4 bytes. ``80`` (indefinite)
  does not exist in ISO/IEC 7816-4 and is always rejected.
- Strict parsing (the default) also rejects non-minimal lengths (``81 05``), non-minimal tags
  (second byte ``00`` or ``80``; ``01``-``1E`` are accepted because ICAO Doc 9303 uses 5F01),
  ``00``/``FF`` bytes where a tag is expected, and trailing bytes. ``strict=False`` accepts
  non-minimal lengths and tags and skips ``00``/``FF`` padding before, between and after
  objects, which ISO/IEC 7816-4 6.3 allows.

Parsing is shallow and lazy: :func:`parse` reads one level and ``Tlv.children`` parses a
constructed value (strictly) on first use and keeps the result. ``parse(data, deep=True)``
checks every level at once and reports errors with offsets into ``data``.

Nesting is bounded: :data:`MAX_DEPTH` levels (the outermost objects are level 1). A deeper
value is a :class:`DecodeError` naming the limit and the offset, from ``parse(deep=True)``,
:func:`render` and :func:`to_json` alike. Real card data nests far less (an ICAO 9303 LDS
object 4 levels, EMV and GlobalPlatform responses 5 at most); 64 leaves room for any of them
and keeps every walker far from Python's recursion limit and the output small.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Self

from cardwire.errors import DecodeError, UsageError
from cardwire.tlv_simple import SimpleTlv, parse_simple

__all__ = [
    "MAX_DEPTH",
    "SimpleTlv",
    "Tlv",
    "bounded_children",
    "encode_length",
    "encode_tag",
    "find",
    "parse",
    "parse_one",
    "parse_simple",
    "parse_values",
    "tlv",
    "walk",
]

MAX_LENGTH_BYTES = 4  # ISO/IEC 7816-4:2020 6.3: '84' followed by up to four length bytes
MAX_LENGTH = 0xFFFF_FFFF
MAX_TAG_BYTES = 4  # ISO/IEC 7816-4 uses up to three tag bytes; one more is accepted
MAX_DEPTH = 64  # nesting levels accepted (module doc): real card data nests fewer than 10
_CLASSES = ("universal", "application", "context", "private")  # ISO/IEC 8825-1 8.1.2.2
_PADDING = (0x00, 0xFF)  # ISO/IEC 7816-4:2020 6.3: '00' and 'FF' are not valid first tag bytes


_TAG_CACHE: dict[int, bytes] = {}
_TAG_CACHE_SIZE = 4096


def _tag_bytes(tag: int) -> bytes:
    """The bytes of a well-formed tag; UsageError otherwise (cached: tags repeat a lot)."""
    cached = _TAG_CACHE.get(tag)
    if cached is not None and type(tag) is int:
        return cached
    raw = _check_tag(tag)
    if len(_TAG_CACHE) < _TAG_CACHE_SIZE:
        _TAG_CACHE[tag] = raw
    return raw


def _check_tag(tag: int) -> bytes:
    """The bytes of a well-formed tag; UsageError otherwise (ISO/IEC 8825-1 8.1.2)."""
    if not isinstance(tag, int) or isinstance(tag, bool) or not 0 < tag < 1 << 8 * MAX_TAG_BYTES:
        raise UsageError(f"a tag must be an int of 1 to {MAX_TAG_BYTES} bytes, got {tag!r}")
    raw = tag.to_bytes((tag.bit_length() + 7) // 8, "big")
    multi = raw[0] & 0x1F == 0x1F  # ISO/IEC 8825-1 8.1.2.4: number >= 31 continues
    if not multi:
        if len(raw) != 1:
            raise UsageError(f"tag {tag:X}: first byte {raw[0]:02X} announces a one-byte tag")
        return raw
    if len(raw) == 1:
        raise UsageError(f"tag {tag:X}: first byte {raw[0]:02X} needs subsequent tag bytes")
    # ISO/IEC 8825-1 8.1.2.4.2: b8 set on every subsequent byte except the last one
    if any(b & 0x80 == 0 for b in raw[1:-1]) or raw[-1] & 0x80:
        raise UsageError(f"tag {tag:X}: subsequent bytes must have b8 set except the last")
    return raw


def encode_tag(tag: int) -> bytes:
    """The tag field of ``tag`` (its big-endian bytes, checked for well-formedness)."""
    return _tag_bytes(tag)


def encode_length(n: int) -> bytes:
    """Minimal definite length field (ISO/IEC 7816-4:2020 6.3), up to ``84`` + 4 bytes."""
    if type(n) is not int or not 0 <= n <= MAX_LENGTH:
        raise UsageError(f"a BER-TLV length must be 0..{MAX_LENGTH}, got {n!r}")
    if n < 0x80:
        return bytes((n,))
    size = (n.bit_length() + 7) // 8
    return bytes((0x80 | size,)) + n.to_bytes(size, "big")


def tlv(tag: int, value: bytes) -> bytes:
    """Encode one data object: tag, minimal length, value."""
    return _tag_bytes(tag) + encode_length(len(value)) + bytes(value)


@dataclass(frozen=True, slots=True)
class Tlv:
    """One BER-TLV data object. Equality and hashing use ``tag`` and ``value`` only."""

    tag: int
    value: bytes
    _children: tuple[Tlv, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _tag_bytes(self.tag)
        if type(self.value) is not bytes:
            if isinstance(self.value, bytearray | memoryview):
                object.__setattr__(self, "value", bytes(self.value))
            else:
                raise UsageError(f"value must be bytes, got {type(self.value).__name__}")
        if len(self.value) > MAX_LENGTH:
            raise UsageError(f"value of {len(self.value)} bytes exceeds {MAX_LENGTH}")

    @classmethod
    def of(cls, tag: int, *children: Tlv) -> Self:
        """A constructed object whose value is the encoding of ``children``."""
        if not _tag_bytes(tag)[0] & 0x20:
            raise UsageError(f"tag {tag:X} is primitive (b6 of its first byte is 0)")
        node = cls(tag, b"".join(child.encode() for child in children))
        object.__setattr__(node, "_children", tuple(children))
        return node

    @property
    def constructed(self) -> bool:
        """b6 of the first tag byte (ISO/IEC 8825-1 8.1.2.5)."""
        return bool(_first_byte(self.tag) & 0x20)

    @property
    def tag_class(self) -> str:
        """``universal``, ``application``, ``context`` or ``private`` (b8-b7 of the first byte)."""
        return _CLASSES[_first_byte(self.tag) >> 6]

    @property
    def tag_number(self) -> int:
        """The tag number: b5-b1 of a one-byte tag, else the 7-bit groups that follow."""
        raw = _tag_bytes(self.tag)
        if len(raw) == 1:
            return raw[0] & 0x1F
        number = 0
        for b in raw[1:]:
            number = number << 7 | b & 0x7F
        return number

    @property
    def children(self) -> tuple[Tlv, ...]:
        """The data objects in the value (strict parse, cached). DecodeError when primitive."""
        cached = self._children
        if cached is None:
            if not self.constructed:
                raise DecodeError(f"tag {self.tag:X} is primitive: its value has no children")
            cached = _parse_range(self.value, 0, len(self.value), True, False, 1)
            object.__setattr__(self, "_children", cached)
        return cached

    def encode(self) -> bytes:
        """Tag, minimal length, value."""
        return _tag_bytes(self.tag) + encode_length(len(self.value)) + self.value

    def find(self, tag: int) -> Tlv | None:
        """The first object with ``tag`` among the descendants, depth first (self excluded)."""
        if not self.constructed:
            return None
        return find(self.children, tag)

    def find_path(self, *tags: int) -> Tlv | None:
        """Follow direct children: ``find_path(0x7F4E, 0x5F29)`` is self / 7F4E / 5F29."""
        node: Tlv = self
        for tag in tags:
            if not node.constructed:
                return None
            found = next((child for child in node.children if child.tag == tag), None)
            if found is None:
                return None
            node = found
        return node


def _first_byte(tag: int) -> int:
    return tag >> 8 * ((tag.bit_length() - 1) // 8) if tag > 0 else 0


_new_object = object.__new__
_set_field = object.__setattr__


def _trusted_tlv(tag: int, value: bytes) -> Tlv:
    """A Tlv from the parser, whose tag and value are known good: skips the checks."""
    node: Tlv = _new_object(Tlv)
    _set_field(node, "tag", tag)
    _set_field(node, "value", value)
    _set_field(node, "_children", None)
    return node


class _TooDeepError(DecodeError):
    """Nesting beyond MAX_DEPTH: refused in lenient mode too (not "a value that is not BER-TLV")."""


def _too_deep(offset: int) -> DecodeError:
    return _TooDeepError(f"BER-TLV nesting deeper than {MAX_DEPTH} levels (MAX_DEPTH)", offset)


def _read_header(data: bytes, pos: int, end: int, strict: bool) -> tuple[int, int, int]:
    """Read the tag and length at ``data[pos]``: (tag, value start, value end)."""
    tag_start = pos
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:  # ISO/IEC 8825-1 8.1.2.4: subsequent tag bytes
        if pos >= end:
            raise DecodeError(f"tag {first:02X} is cut short", tag_start)
        # ISO/IEC 8825-1 8.1.2.4.2 c: the first subsequent byte is not 80 (a leading zero
        # group), nor 00. ISO/IEC 7816-4 6.3 also calls '01'-'1E' invalid there, but ICAO Doc
        # 9303-10 uses such tags (5F01 LDS version in EF.COM), so they are accepted.
        second = data[pos]
        if strict and second in (0x00, 0x80):
            raise DecodeError(f"non-minimal tag encoding {first:02X}{second:02X}", tag_start)
        while True:
            if pos >= end:
                raise DecodeError(f"tag {tag:X} is cut short", tag_start)
            b = data[pos]
            tag = tag << 8 | b
            pos += 1
            if not b & 0x80:
                break
            if pos - tag_start >= MAX_TAG_BYTES:
                raise DecodeError(f"tag longer than {MAX_TAG_BYTES} bytes", tag_start)
    if pos >= end:
        raise DecodeError(f"tag {tag:X} has no length field", pos)
    length_at = pos
    length = data[pos]
    pos += 1
    if length >= 0x80:
        count = length & 0x7F
        if count == 0:
            # ISO/IEC 7816-4:2020 6.3 allows definite lengths only
            raise DecodeError(f"indefinite length 80 after tag {tag:X}", length_at)
        if count > MAX_LENGTH_BYTES:
            raise DecodeError(
                f"length field {length:02X}: at most {MAX_LENGTH_BYTES} length bytes", length_at
            )
        if pos + count > end:
            raise DecodeError(f"length field of tag {tag:X} is cut short", length_at)
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
        # ISO/IEC 7816-4:2020 6.3, ISO/IEC 8825-1 10.1: the shortest form
        if strict and length < (0x80 if count == 1 else 1 << 8 * (count - 1)):
            raise DecodeError(
                f"non-minimal length {data[length_at:pos].hex().upper()} "
                f"for {length} bytes after tag {tag:X}",
                length_at,
            )
    value_end = pos + length
    if value_end > end:
        raise DecodeError(
            f"tag {tag:X} announces {length} value bytes, only {end - pos} remain", length_at
        )
    return tag, pos, value_end


def _read_object(
    data: bytes, pos: int, end: int, strict: bool, deep: bool, level: int = 1
) -> tuple[Tlv, int]:
    """Read the object that starts at ``data[pos]``; return it and the offset after it."""
    first = data[pos]
    tag, pos, value_end = _read_header(data, pos, end, strict)
    node = _trusted_tlv(tag, data[pos:value_end])
    if deep and first & 0x20:
        if level >= MAX_DEPTH and value_end > pos:
            raise _too_deep(pos)
        try:
            children = _parse_range(data, pos, value_end, strict, True, level + 1)
            _set_field(node, "_children", children)
        except DecodeError as exc:
            if strict or isinstance(exc, _TooDeepError):
                raise
            # not strict: a constructed value that is not BER-TLV stays unparsed
    return node, value_end


def _skip_padding(data: bytes, pos: int, end: int, strict: bool) -> int:
    """Skip '00'/'FF' bytes between objects (ISO/IEC 7816-4:2020 6.3), or refuse them."""
    while pos < end and data[pos] in _PADDING:
        if strict:
            raise DecodeError(
                f"byte {data[pos]:02X} where a tag was expected "
                "(padding is only accepted when not strict)",
                pos,
            )
        pos += 1
    return pos


def _parse_range(
    data: bytes, pos: int, end: int, strict: bool, deep: bool, level: int
) -> tuple[Tlv, ...]:
    """Parse the objects in ``data[pos:end]``; offsets in errors index ``data``."""
    nodes: list[Tlv] = []
    while pos < end:
        if data[pos] in _PADDING:
            pos = _skip_padding(data, pos, end, strict)
            continue
        node, pos = _read_object(data, pos, end, strict, deep, level)
        nodes.append(node)
    return tuple(nodes)


def parse(data: bytes, *, strict: bool = True, deep: bool = False) -> tuple[Tlv, ...]:
    """All data objects in ``data``. ``deep=True`` also parses every constructed value now
    (with ``strict=False``, one that does not parse is left for ``children`` to report)."""
    raw = bytes(data)
    return _parse_range(raw, 0, len(raw), strict, deep, 1)


def parse_one(data: bytes, *, strict: bool = True) -> Tlv:
    """Exactly one data object, nothing after it (padding around it is skipped when not strict)."""
    raw = bytes(data)
    end = len(raw)
    pos = _skip_padding(raw, 0, end, strict)
    if pos >= end:
        raise DecodeError("no BER-TLV data object", pos)
    node, pos = _read_object(raw, pos, end, strict, False)
    after = _skip_padding(raw, pos, end, strict)
    if after < end:
        raise DecodeError(f"trailing bytes after the data object with tag {node.tag:X}", pos)
    return node


def parse_values(data: bytes) -> list[tuple[int, bytes]]:
    """(tag, value) of each object on one level, read strictly by :func:`parse`'s reader but
    without building :class:`Tlv` objects: for the SM data objects of every protected APDU."""
    pairs, pos, end = [], 0, len(data)
    while pos < end:
        if data[pos] in _PADDING:
            _skip_padding(data, pos, end, True)  # strict: raises
        tag, start, pos = _read_header(data, pos, end, True)
        pairs.append((tag, data[start:pos]))
    return pairs


def walk(nodes: Iterable[Tlv]) -> Iterator[tuple[int, Tlv]]:
    """(depth, node) for every node, depth first; constructed values are parsed strictly."""
    stack: list[tuple[int, Iterator[Tlv]]] = [(0, iter(nodes))]
    while stack:
        depth, it = stack[-1]
        node = next(it, None)
        if node is None:
            stack.pop()
            continue
        yield depth, node
        if node.constructed:
            stack.append((depth + 1, iter(node.children)))


def find(nodes: Iterable[Tlv], tag: int) -> Tlv | None:
    """The first object with ``tag`` in ``nodes`` or below them, depth first."""
    for _, node in walk(nodes):
        if node.tag == tag:
            return node
    return None


def bounded_children(
    node: Tlv, level: int, offset: int
) -> tuple[tuple[Tlv, ...] | None, str | None, int]:
    """The children of the object at nesting ``level`` that starts at ``offset``, or why not
    (a constructed value that is not BER-TLV), and the offset of its value; for walkers that
    show a tree. Children beyond :data:`MAX_DEPTH` raise :class:`DecodeError`."""
    value_at = offset + len(node.encode()) - len(node.value)
    if not node.constructed:
        return None, None, value_at
    try:
        children = node.children
    except DecodeError as exc:
        return None, str(exc), value_at
    if children and level >= MAX_DEPTH:
        raise _too_deep(value_at)
    return children, None, value_at
