"""A simulated card personalised from a master key: its Security Domain holds the SCP03 keys
diversified (KDF3) from MASTER with the diversification data KDD (the simulator's ``diversify``
setting, docs/simulator.md), or its SCP02 key set 20 diversified with EMV or VISA2
(docs/scp02.md). Shared by the SCP03 / SCP02 integration and CLI tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cardwire.sim.profile import default_profile

MASTER = "000102030405060708090A0B0C0D0E0F"
KDD = "D9B1DE5D0362DEDCE4FB"


def diversified_document(scp02: str | None = None) -> dict[str, Any]:
    """The default profile as a document; its SCP03 key set 30 diversified with kdf3, or with
    ``scp02`` (``emv``, ``visa2``) its SCP02 key set 20 diversified with that template."""
    document = default_profile().to_dict()
    (section,) = (a for a in document["applets"] if a["type"] == "security-domain")
    section.update(diversification_data=KDD)
    if scp02 is None:
        keys = {"kvn": "30", "enc": MASTER, "mac": MASTER, "dek": MASTER}
        section.update(diversify="kdf3", key_sets=[keys])
    else:
        keys = {"kvn": "20", "enc": MASTER, "mac": MASTER, "dek": MASTER}
        section["scp02"].update(diversify=scp02, key_sets=[keys])
    return document


def diversified_profile(tmp_path: Path, scp02: str | None = None) -> Path:
    """That profile written to ``tmp_path``; its path."""
    path = tmp_path / "card.json"
    path.write_text(json.dumps(diversified_document(scp02)), encoding="utf-8")
    return path
