"""APDU scripts (``cardwire run``): the grammar and parser (:mod:`.grammar`, sans-IO) and the
runner that plays statements on a card session (:mod:`.runner`)."""

from __future__ import annotations

from cardwire.scripting.grammar import Expectation, Script, Statement, parse_script
from cardwire.scripting.runner import Outcome, ScriptRunner

__all__ = ["Expectation", "Outcome", "Script", "ScriptRunner", "Statement", "parse_script"]
