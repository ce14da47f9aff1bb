"""The file-system applet's section of the default profile (docs/simulator.md).

The data lives in ``default_profile.json`` beside this module, read once at import; each call
of :func:`default_config` returns a fresh copy that the caller may change.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

_DEFAULT_PROFILE = (files(__package__) / "default_profile.json").read_text(encoding="utf-8")


def default_config() -> dict[str, Any]:
    """The file-system applet's section of the default profile (docs/simulator.md)."""
    config: dict[str, Any] = json.loads(_DEFAULT_PROFILE)
    return config
