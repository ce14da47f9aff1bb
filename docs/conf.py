"""Sphinx configuration of cardwire's documentation: the user guide (the Markdown pages of this
folder, read by MyST) and the API reference (autodoc, from the docstrings).

Built by ``make docs`` and by the test suite (tests/test_docs_build.py) with warnings as errors.
Nothing is fetched at build time: no intersphinx inventories, no remote themes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import cardwire  # noqa: E402 - after the path is set

project = "cardwire"
author = "the cardwire maintainers"
copyright = "the cardwire maintainers"
release = cardwire.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]
myst_heading_anchors = 3
# The guide pages link to each other and to files of the repository by relative path; the
# headings of docs written for GitHub sometimes skip a level.
suppress_warnings = ["myst.header", "myst.xref_missing"]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
autoclass_content = "both"

html_theme = "alabaster"
html_title = f"cardwire {release}"
html_static_path: list[str] = []


def setup(app: object) -> None:
    """The guide marks cardwire trace files as ```trace blocks: shown as plain text."""
    from pygments.lexers.special import TextLexer

    app.add_lexer("trace", TextLexer)  # type: ignore[attr-defined]
