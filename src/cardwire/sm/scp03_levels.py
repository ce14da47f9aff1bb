"""Transitional alias of :mod:`cardwire.sm.scp03` for two importers on other branches.

``cli/scp03_cmd.py`` and ``sim/applets/security_domain/applet.py`` still import the levels from
here while their branches are open; import them from :mod:`cardwire.sm.scp03` and delete this
module once those branches have landed (issue 16, item 6).
"""

from __future__ import annotations

from cardwire.sm.scp03 import (
    INS_EXTERNAL_AUTHENTICATE,
    INS_INITIALIZE_UPDATE,
    VALID_LEVELS,
    Mode,
    security_level,
)

__all__ = [
    "INS_EXTERNAL_AUTHENTICATE",
    "INS_INITIALIZE_UPDATE",
    "VALID_LEVELS",
    "Mode",
    "security_level",
]
