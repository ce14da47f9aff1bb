"""The API reference and user guide build with Sphinx, warnings as errors, and show their content.

Issue 24: a missing or broken reference fails the test command. The build runs in-process
(Sphinx's own entry point) into a temporary folder, fetching nothing; the HTML is then read with
the standard library's parser: the index lists the guide and the reference, the session page
documents ``Card`` with its methods and docstrings, and every name of ``cardwire.__all__`` has
an entry in the reference.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from html.parser import HTMLParser
from pathlib import Path

import pytest

import cardwire

sphinx_main = pytest.importorskip("sphinx.cmd.build").main  # the `docs` extra

DOCS = Path(__file__).resolve().parent.parent / "docs"


class _Page(HTMLParser):
    """The ids and visible text of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(" ".join(data.split()))


def _read(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("docs-html")
    log = io.StringIO()
    with redirect_stdout(log), redirect_stderr(log), warnings.catch_warnings():
        # Python deprecation warnings between Sphinx and its extensions (myst-parser uses
        # Sphinx 9 APIs that Sphinx 11 removes) are theirs to fix; -W still turns every
        # warning *about the documents* into a failure.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        status = sphinx_main(["-E", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(out)])
    assert status == 0, f"sphinx-build failed:\n{log.getvalue()}"
    yield out


def test_index_lists_the_guide_and_the_reference(built: Path) -> None:
    text = " ".join(_read(built / "index.html").text)
    for title in ("User guide", "API reference", "Design", "Secure messaging"):
        assert title.lower() in text.lower(), title


def test_the_card_page_renders_the_class_with_its_methods(built: Path) -> None:
    page = _read(built / "api" / "session.html")
    for anchor in ("cardwire.card.Card", "cardwire.card.Card.send", "cardwire.channels.Channel"):
        assert anchor in page.ids, anchor
    text = " ".join(page.text)
    assert "logical channel" in text  # the docstrings are there, not only the signatures
    assert "Reset the card" in text


def _documented_ids(built: Path) -> set[str]:
    ids: set[str] = set()
    for page in (built / "api").glob("*.html"):
        ids |= _read(page).ids
    return ids


def test_every_public_name_has_a_reference_entry(built: Path) -> None:
    ids = _documented_ids(built)
    missing = []
    for name in cardwire.__all__:
        value = getattr(cardwire, name)
        anchor = f"{value.__module__}.{name}"
        if anchor not in ids:
            missing.append(anchor)
    assert not missing, f"not in the API reference: {missing}"
