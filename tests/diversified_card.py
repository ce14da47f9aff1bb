"""A simulated card personalised from a master key: its Security Domain holds the SCP03 keys
diversified (KDF3) from MASTER with the diversification data KDD (the simulator's ``diversify``
setting, docs/simulator.md). Shared by the SCP03 integration and CLI tests."""

from __future__ import annotations

import json
from pathlib import Path

from cardwire.sim.profile import default_profile

MASTER = "000102030405060708090A0B0C0D0E0F"
KDD = "D9B1DE5D0362DEDCE4FB"


def diversified_profile(tmp_path: Path) -> Path:
    """The default profile with that Security Domain, written to ``tmp_path``; its path."""
    document = default_profile().to_dict()
    (section,) = (a for a in document["applets"] if a["type"] == "security-domain")
    keys = {"kvn": "30", "enc": MASTER, "mac": MASTER, "dek": MASTER}
    section.update(diversify="kdf3", diversification_data=KDD, key_sets=[keys])
    path = tmp_path / "card.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
