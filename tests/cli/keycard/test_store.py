"""The Keycard pairing store file (cardwire.cli.keycard.store; docs/keycard.md "Pairing store")."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cardwire.cli.keycard.store import PairingStore, default_path
from cardwire.errors import UsageError
from cardwire.sm.keycard import Pairing

UID_A, UID_B = bytes(range(16)), bytes(range(16, 32))
KEY = bytes(range(32))


def test_put_get_remove(tmp_path: Path) -> None:
    store = PairingStore(tmp_path / "p.json")
    assert store.get(UID_A) is None and store.entries() == []
    store.put(UID_A, Pairing(0, KEY))
    store.put(UID_B, Pairing(3, KEY[::-1]))
    assert store.get(UID_A) == Pairing(0, KEY)
    assert [(e.instance_uid, e.pairing.index) for e in store.entries()] == [(UID_A, 0), (UID_B, 3)]
    assert store.remove(UID_A) and not store.remove(UID_A)
    assert store.get(UID_A) is None and store.get(UID_B) == Pairing(3, KEY[::-1])


def test_the_file_is_created_mode_0600_even_with_a_loose_umask(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "p.json"
    old = os.umask(0)
    try:
        PairingStore(path).put(UID_A, Pairing(1, KEY))
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_foreign_file_is_refused_without_showing_it(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"secret": "5EC2E7"}')
    with pytest.raises(UsageError, match="not a cardwire pairing store") as caught:
        PairingStore(path).get(UID_A)
    assert "5EC2E7" not in str(caught.value)


def test_default_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_path() == tmp_path / "cardwire" / "keycard-pairings.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / ".config" / "cardwire" / "keycard-pairings.json"


def test_a_new_instance_of_a_card_drops_its_former_entries(tmp_path: Path) -> None:
    store = PairingStore(tmp_path / "p.json")
    identity, other = b"\x02" + bytes(32), b"\x03" + bytes(32)
    assert store.put(UID_A, Pairing(0, KEY), identity) == []
    store.put(UID_B, Pairing(1, KEY), other)
    uid_c = bytes(16)
    assert store.put(uid_c, Pairing(2, KEY), identity) == [UID_A]  # UID_A: its former instance
    assert [(e.instance_uid, e.identity) for e in store.entries()] == [
        (uid_c, identity),
        (UID_B, other),
    ]
    assert store.forget_card(other, keep=UID_B) == [] and store.forget_card(other) == [UID_B]


def test_entries_without_an_identity_stay(tmp_path: Path) -> None:
    """Entries written before identities were recorded (or for cards without IDENTIFY CARD)
    are never taken for another card's."""
    path = tmp_path / "p.json"
    legacy = {"index": 4, "key": KEY.hex()}
    path.write_text(json.dumps({"version": 1, "pairings": {UID_A.hex(): legacy}}))
    store = PairingStore(path)
    assert store.put(UID_B, Pairing(0, KEY), b"\x02" + bytes(32)) == []
    assert [e.identity for e in store.entries()] == [None, b"\x02" + bytes(32)]
