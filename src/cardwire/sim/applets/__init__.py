"""Applet types of the simulated card, by the ``type`` name a profile uses.

``APPLET_TYPES[name](section)`` builds an applet from its whole profile section (``type``,
``aid`` and its own configuration merged with saved state); ``DEFAULT_CONFIGS[name]()`` is the
configuration the default profile uses. Both come from one table, and the imports are deferred
so that loading one applet type never imports the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from cardwire.sim.applet import Applet, AppletFactory

_PACKAGE = "cardwire.sim.applets"

# type name -> (module of the applet class, the class, module of its ``default_config``)
_TABLE: dict[str, tuple[str, str, str]] = {
    "filesystem": ("filesystem", "FileSystemApplet", "filesystem"),
    "echo": ("echo", "EchoApplet", "echo"),
    "keycard": ("keycard", "KeycardApplet", "keycard"),
    "epassport": ("epassport.applet", "EpassportApplet", "epassport.config"),
    "eid": ("eid", "EidApplet", "eid"),
    "security-domain": ("security_domain", "SecurityDomainApplet", "security_domain"),
    "inert": ("inert", "InertApplet", "inert"),
}


@dataclass(frozen=True, slots=True)
class _AppletType:
    """One row of the table: builds its applet and its default configuration on first use."""

    module: str
    cls: str
    config_module: str

    def __call__(self, section: dict[str, Any]) -> Applet:
        applet_class = getattr(importlib.import_module(f"{_PACKAGE}.{self.module}"), self.cls)
        return cast(Applet, applet_class.from_config(section))

    def default_config(self) -> dict[str, Any]:
        module = importlib.import_module(f"{_PACKAGE}.{self.config_module}")
        return cast(dict[str, Any], module.default_config())


_TYPES = {name: _AppletType(*row) for name, row in _TABLE.items()}
APPLET_TYPES: dict[str, AppletFactory] = dict(_TYPES)
DEFAULT_CONFIGS: dict[str, Callable[[], dict[str, Any]]] = {
    name: applet_type.default_config for name, applet_type in _TYPES.items()
}

__all__ = ["APPLET_TYPES", "DEFAULT_CONFIGS"]
