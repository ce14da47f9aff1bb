"""Simulated passports for the reader's tests: the default issued passport, or one changed by
its profile section (broken-passport options, another CA cipher, files made unreadable)."""

from __future__ import annotations

from typing import Any

from cardwire.card import Card
from cardwire.sim.applets.epassport.config import default_config
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.applets.epassport.pki import csca_certificate
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.transport.memory import MemoryTransport

MRZ = "L898902C<,690806,940623"
SEED = "cardwire specimen passport"
TRUSTED = [csca_certificate(SEED)]


def passport_section(
    *, broken: tuple[str, ...] = (), files: list[dict[str, Any]] | None = None, **issuance: Any
) -> dict[str, Any]:
    config = default_config()
    config["issuance"] = {**config["issuance"], **issuance, "broken": list(broken)}
    if files is not None:
        config["files"] = files
    return {k: v for k, v in config.items() if k not in ("type", "aid")}


def passport_card(**options: Any) -> Card:
    """A Card on a fresh simulated card whose ePassport has ``options`` (passport_section)."""
    profile = Profile(
        CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, passport_section(**options)),)
    )
    return Card(MemoryTransport(SimCard(profile)))
