"""Applet types of the simulated card, by the ``type`` name a profile uses.

``APPLET_TYPES[name](section)`` builds an applet from its whole profile section (``type``,
``aid`` and its own configuration merged with saved state); ``DEFAULT_CONFIGS[name]()`` is the
configuration the default profile uses. Imports are deferred so that loading one applet type
never imports the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cardwire.sim.applet import Applet, AppletFactory


def _filesystem(section: dict[str, Any]) -> Applet:
    from cardwire.sim.applets.filesystem import FileSystemApplet

    return FileSystemApplet.from_config(section)


def _filesystem_default() -> dict[str, Any]:
    from cardwire.sim.applets.filesystem import default_config

    return default_config()


def _echo(section: dict[str, Any]) -> Applet:
    from cardwire.sim.applets.echo import EchoApplet

    return EchoApplet.from_config(section)


def _echo_default() -> dict[str, Any]:
    from cardwire.sim.applets.echo import default_config

    return default_config()


def _keycard(section: dict[str, Any]) -> Applet:
    from cardwire.sim.applets.keycard import KeycardApplet

    return KeycardApplet.from_config(section)


def _keycard_default() -> dict[str, Any]:
    from cardwire.sim.applets.keycard import default_config

    return default_config()


def _epassport(section: dict[str, Any]) -> Applet:
    from cardwire.sim.applets.epassport.applet import EpassportApplet

    return EpassportApplet.from_config(section)


def _epassport_default() -> dict[str, Any]:
    from cardwire.sim.applets.epassport.config import default_config

    return default_config()


def _eid(section: dict[str, Any]) -> Applet:
    from cardwire.sim.applets.eid import EidApplet

    return EidApplet.from_config(section)


def _eid_default() -> dict[str, Any]:
    from cardwire.sim.applets.eid import default_config

    return default_config()


def _inert(section: dict[str, Any]) -> Applet:
    from cardwire.sim.applets.inert import InertApplet

    return InertApplet.from_config(section)


def _inert_default() -> dict[str, Any]:
    from cardwire.sim.applets.inert import default_config

    return default_config()


def _security_domain(section: dict[str, Any]) -> Applet:
    from cardwire.sim.applets.security_domain import SecurityDomainApplet

    return SecurityDomainApplet.from_config(section)


def _security_domain_default() -> dict[str, Any]:
    from cardwire.sim.applets.security_domain import default_config

    return default_config()


APPLET_TYPES: dict[str, AppletFactory] = {
    "filesystem": _filesystem,
    "echo": _echo,
    "keycard": _keycard,
    "epassport": _epassport,
    "eid": _eid,
    "security-domain": _security_domain,
    "inert": _inert,
}

DEFAULT_CONFIGS: dict[str, Callable[[], dict[str, Any]]] = {
    "filesystem": _filesystem_default,
    "echo": _echo_default,
    "keycard": _keycard_default,
    "epassport": _epassport_default,
    "eid": _eid_default,
    "security-domain": _security_domain_default,
    "inert": _inert_default,
}

__all__ = ["APPLET_TYPES", "DEFAULT_CONFIGS"]
