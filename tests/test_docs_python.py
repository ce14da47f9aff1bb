"""Every ```python block of README.md and docs/*.md runs (the shell blocks of docs/cli.md run
in tests/cli/test_docs_examples.py).

Rules: each block runs on its own, in a fresh namespace and a fresh temporary working
directory, so a block shows every import and every file it needs; it talks to the built-in
simulated card (``open_card()``). A block that needs a real reader or a daemon is preceded by
``<!-- doc-test: skip (REASON) -->`` (the marker of docs/cli.md); skipped blocks are reported
by pytest with their reason, and :func:`test_skipped_blocks_are_few` lists them so that a skip
stays a visible, deliberate choice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_SKIP = re.compile(r"<!--\s*doc-test:\s*skip\s*\((.*)\)\s*-->")
# The blocks skipped on purpose (document, reason): a new skip is added here too.
SKIPPED = {("pcsc.md", "needs pcscd and a reader: tests/interop runs this path")}


@dataclass(frozen=True)
class PythonBlock:
    document: Path
    line: int  # the first line of code, 1-based
    code: str
    skip: str | None

    @property
    def where(self) -> str:
        return f"{self.document.name}:{self.line}"


def python_blocks(document: Path) -> list[PythonBlock]:
    lines = document.read_text(encoding="utf-8").splitlines()
    found, index, last_prose = [], 0, ""
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            end = index + 1
            while not lines[end].startswith("```"):
                end += 1
            if line[3:].strip() == "python":
                skip = _SKIP.fullmatch(last_prose)
                code = "\n".join(lines[index + 1 : end]) + "\n"
                found.append(PythonBlock(document, index + 2, code, skip and skip.group(1)))
            index, last_prose = end + 1, ""
            continue
        if line.strip():
            last_prose = line.strip()
        index += 1
    return found


BLOCKS = [block for document in DOCUMENTS for block in python_blocks(document)]


def test_the_documents_have_python_blocks() -> None:
    assert len(BLOCKS) >= 9


def test_skipped_blocks_are_few() -> None:
    skipped = {(block.document.name, block.skip) for block in BLOCKS if block.skip}
    assert skipped == SKIPPED


@pytest.mark.parametrize("block", BLOCKS, ids=[block.where for block in BLOCKS])
def test_python_block_runs(
    block: PythonBlock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if block.skip:
        pytest.skip(block.skip)
    monkeypatch.chdir(tmp_path)
    # Line numbers in a traceback are the document's.
    code = compile("\n" * (block.line - 1) + block.code, str(block.document), "exec")
    exec(code, {"__name__": "__doc_example__"})  # noqa: S102 - the repository's own docs
