"""BER-TLV shown to a person: an indented tree or JSON-ready dicts, tags named from a dictionary
of :mod:`cardwire.tlv_names` (`cardwire decode tlv`, the shell's `decode`).

Presentation belongs to the command line, not to the codec (:mod:`cardwire.tlv` parses and
builds); nesting is bounded by :data:`cardwire.tlv.MAX_DEPTH` through
:func:`cardwire.tlv.bounded_children`, so a hostile tree is a DecodeError, never a RecursionError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cardwire import tlv
from cardwire.tlv import Tlv


def _describe_tag(node: Tlv) -> str:
    kind = "constructed" if node.constructed else "primitive"
    return f"{node.tag_class} {node.tag_number}, {kind}"


def _text(value: bytes) -> str | None:
    if value and all(0x20 <= b < 0x7F for b in value):
        return value.decode("ascii")
    return None


def render(nodes: Iterable[Tlv], names: Mapping[int, str] | None = None) -> str:
    """An indented tree, one object per line; printable values also shown as text, tags named
    from ``names`` (a dictionary of cardwire.tlv_names). Offsets in errors count from the
    first object, re-encoded (the input's, for strict data)."""
    lines: list[str] = []
    named = names or {}

    def emit(items: Iterable[Tlv], depth: int, offset: int) -> None:
        for node in items:
            pad = "  " * depth
            name = named.get(node.tag)
            label = f"{node.tag:02X} {name}" if name else f"{node.tag:02X}"
            head = f"{pad}{label} ({_describe_tag(node)}) len {len(node.value)}"
            children, problem, value_at = tlv.bounded_children(node, depth + 1, offset)
            offset = value_at + len(node.value)
            if children is not None:
                lines.append(head)
                emit(children, depth + 1, value_at)
                continue
            line = f"{head}: {node.value.hex().upper()}"
            text = _text(node.value)
            if text is not None:
                line += f"  '{text}'"
            if problem is not None:
                line += f"  (not BER-TLV: {problem})"
            lines.append(line)

    emit(nodes, 0, 0)
    return "\n".join(lines)


def to_json(
    nodes: Iterable[Tlv],
    _level: int = 1,
    _offset: int = 0,
    names: Mapping[int, str] | None = None,
) -> list[dict[str, object]]:
    """The tree as JSON-ready dicts: tag (hex), name (with ``names``, when known), class,
    number, constructed, length, and children (constructed) or value (hex; also for a
    constructed value that is not BER-TLV). Offsets in errors count as in :func:`render`."""
    out: list[dict[str, object]] = []
    for node in nodes:
        item: dict[str, object] = {"tag": f"{node.tag:02X}"}
        if names and node.tag in names:
            item["name"] = names[node.tag]
        item |= {
            "class": node.tag_class,
            "number": node.tag_number,
            "constructed": node.constructed,
            "length": len(node.value),
        }
        children, problem, value_at = tlv.bounded_children(node, _level, _offset)
        _offset = value_at + len(node.value)
        if children is not None:
            item["children"] = to_json(children, _level + 1, value_at, names)
        else:
            item["value"] = node.value.hex().upper()
            if problem is not None:
                item["problem"] = problem
        out.append(item)
    return out
