"""Every example of docs/cli.md runs, against the simulated card, and prints what it shows.

The rules (also in an HTML comment at the top of docs/cli.md): each ```sh block runs in a
fresh directory holding the files of the ```text file=NAME blocks; every line of it is a
``cardwire`` command (``< FILE`` feeds FILE on stdin); a ```text block right after it is what
its last command prints (stdout and stderr, as on a terminal); ```output blocks are shown but
not compared; ``# exit N`` gives the expected exit code (default 0); a block preceded by a
``doc-test: skip (REASON)`` comment needs PC/SC or a daemon and is skipped.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cardwire.cli import cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = tuple(ROOT / "docs" / name for name in ("cli.md", "gp.md", "scp11.md"))
# Binary files the examples use (docs/gp.md loads a CAP file): copied into every example's
# directory under their own name.
DATA_FILES = sorted((ROOT / "tests" / "data" / "gp").glob("*.cap"))
_SKIP = re.compile(r"<!--\s*doc-test:\s*skip\s*\((.*)\)\s*-->")
_EXIT = re.compile(r"#\s*exit\s+(\d+)\s*$")
_FILE = re.compile(r"\bfile=(\S+)")


@dataclass(frozen=True)
class Block:
    """A fenced block: where it starts, its info string, its text, and a skip reason."""

    line: int
    info: str
    body: str
    skip: str | None = None
    follows_previous: bool = False
    doc: str = ""  # the document's file name


def fenced_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    last_prose = ""
    gap_since_block = False
    while index < len(lines):
        line = lines[index]
        if not line.startswith("```"):
            if line.strip():
                last_prose = line.strip()
                gap_since_block = True
            index += 1
            continue
        start, info = index + 1, line[3:].strip()
        end = index + 1
        while not lines[end].startswith("```"):
            end += 1
        skip = _SKIP.fullmatch(last_prose)
        blocks.append(
            Block(
                start,
                info,
                "\n".join(lines[index + 1 : end]) + "\n",
                skip.group(1) if skip else None,
                follows_previous=bool(blocks) and not gap_since_block,
            )
        )
        index, last_prose, gap_since_block = end + 1, "", False
    return blocks


@dataclass(frozen=True)
class Example:
    block: Block
    expected: Block | None


def examples(blocks: list[Block]) -> list[Example]:
    found = []
    for number, block in enumerate(blocks):
        if block.info != "sh":
            continue
        after = blocks[number + 1] if number + 1 < len(blocks) else None
        expected = after if after is not None and after.follows_previous else None
        found.append(Example(block, expected))
    return found


def _doc_blocks(doc: Path) -> list[Block]:
    from dataclasses import replace

    return [replace(b, doc=doc.name) for b in fenced_blocks(doc.read_text(encoding="utf-8"))]


BLOCKS_BY_DOC = {doc.name: _doc_blocks(doc) for doc in DOCS}
BLOCKS = [block for blocks in BLOCKS_BY_DOC.values() for block in blocks]
EXAMPLES = [example for blocks in BLOCKS_BY_DOC.values() for example in examples(blocks)]
FILES = {
    (block.doc, match.group(1)): block.body
    for block in BLOCKS
    if (match := _FILE.search(block.info)) is not None
}


def command_lines(block: Block) -> list[str]:
    return [line for line in block.body.splitlines() if line.strip()]


def run_line(line: str) -> tuple[int, int, str]:
    """Run one documented command line; (exit code, expected exit code, output)."""
    match = _EXIT.search(line)
    expected_exit = int(match.group(1)) if match is not None else 0
    words = shlex.split(line, comments=True)
    assert words[0] == "cardwire", f"not a cardwire command: {line}"
    stdin = None
    if "<" in words:
        at = words.index("<")
        stdin = Path(words[at + 1]).read_text(encoding="utf-8")
        words = words[:at] + words[at + 2 :]
    result = CliRunner().invoke(cli, words[1:], input=stdin)
    return result.exit_code, expected_exit, result.output


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=[f"{e.block.doc}:{e.block.line}" for e in EXAMPLES]
)
def test_example_runs_and_prints_what_the_doc_shows(
    example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if example.block.skip is not None:
        pytest.skip(example.block.skip)
    monkeypatch.chdir(tmp_path)
    for (doc, name), body in FILES.items():
        if doc == example.block.doc:
            (tmp_path / name).write_text(body, encoding="utf-8")
    for data in DATA_FILES:
        (tmp_path / data.name).write_bytes(data.read_bytes())
    output = ""
    for line in command_lines(example.block):
        code, expected_code, output = run_line(line)
        assert code == expected_code, f"{line}\n{output}"
    if example.expected is not None and example.expected.info == "text":
        assert output == example.expected.body


def leaf_commands(group: click.Group, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= leaf_commands(command, (*path, name))
        else:
            found.add((*path, name))
    return found


def resolved(words: list[str]) -> tuple[str, ...]:
    """The command path a documented line runs (options and arguments skipped)."""
    path: list[str] = []
    current: click.Command = cli
    for word in words[1:]:
        if isinstance(current, click.Group) and word in current.commands:
            current = current.commands[word]
            path.append(word)
    return tuple(path)


def test_every_command_has_an_example() -> None:
    documented = {
        resolved(shlex.split(line, comments=True))
        for example in EXAMPLES
        for line in command_lines(example.block)
    }
    missing = sorted(" ".join(path) for path in leaf_commands(cli) - documented)
    assert missing == [], f"docs/cli.md, gp.md, scp11.md have no example of: {', '.join(missing)}"


def test_the_block_reader() -> None:
    blocks = fenced_blocks(
        "text\n\n<!-- doc-test: skip (needs pcscd) -->\n```sh\ncardwire readers\n```\n\n"
        "```text\nout\n```\nprose\n```text file=a.apdu\n00B0000000\n```\n"
    )
    assert [(b.info, b.skip, b.follows_previous) for b in blocks] == [
        ("sh", "needs pcscd", False),
        ("text", None, True),
        ("text file=a.apdu", None, False),
    ]
    assert blocks[0].body == "cardwire readers\n"
    assert examples(blocks) == [Example(blocks[0], blocks[1])]
