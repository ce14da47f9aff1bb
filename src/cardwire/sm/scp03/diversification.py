"""Transitional alias: ``sim/applets/security_domain/applet.py`` (on another branch) imports
``NO_DIVERSIFICATION`` from here. Import it from :mod:`cardwire.sm.scp03` and delete this module
once that branch has landed (issue 16, item 6)."""

from __future__ import annotations

from cardwire.sm.scp03._keys import NO_DIVERSIFICATION

__all__ = ["NO_DIVERSIFICATION"]
