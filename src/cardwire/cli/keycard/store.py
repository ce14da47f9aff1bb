"""The Keycard pairing store: one pairing per card instance, kept in a user file (docs/keycard.md,
"Pairing store").

A Keycard has a few pairing slots (5 on the applet) and only a kept pairing (or a factory reset)
gives a slot back, so the command line keeps the pairing it makes and reuses it. Pairings are
keyed by the card's instance UID (Keycard docs, SELECT: tag 8F), which INIT and FACTORY RESET
change. An entry may also name the card's Identity Key (IDENTIFY CARD), which they do not change:
an entry whose Identity Key the card shows under another instance UID is stale (a former
instance of that card) and is dropped when that card is next paired, reset or initialised.

The file is JSON, created with mode 0600 (it holds pairing keys), written whole through
a temporary file and ``os.replace``, and read-modify-written under an exclusive ``flock`` on a
lock file beside it, so concurrent processes do not lose each other's pairings.

Default path: ``$XDG_CONFIG_HOME/cardwire/keycard-pairings.json`` (``~/.config`` when the
variable is unset or empty, per the XDG Base Directory specification).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cardwire.errors import UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sim.state_store import save_atomic
from cardwire.sm.keycard import Pairing

FILE_NAME = "keycard-pairings.json"
FORMAT_VERSION = 1
FILE_MODE = 0o600


def default_path() -> Path:
    """``$XDG_CONFIG_HOME/cardwire/keycard-pairings.json``, ``~/.config`` by default."""
    base = os.environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if base else Path.home() / ".config"
    return root / "cardwire" / FILE_NAME


@dataclass(frozen=True)
class StoredPairing:
    """One entry: the card instance UID and the pairing made with it."""

    instance_uid: bytes
    pairing: Pairing
    identity: bytes | None = None  # the card's Identity Key (compressed), when it has one


class PairingStore:
    """The pairings file at ``path`` (see the module docstring)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_path()

    # --- reading and writing ---------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(
                self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600
            )
        except OSError as exc:
            raise UsageError(f"pairing store {self.path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _read(self) -> dict[str, dict[str, object]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise UsageError(f"pairing store {self.path}: {exc.strerror or exc}") from exc
        try:
            document = json.loads(text)
            pairings = document["pairings"]
            if document.get("version") != FORMAT_VERSION or not isinstance(pairings, dict):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            # The message names the file, never its content (it holds keys).
            raise UsageError(f"pairing store {self.path} is not a cardwire pairing store") from None
        return pairings

    def _write(self, pairings: dict[str, dict[str, object]]) -> None:
        document = {"version": FORMAT_VERSION, "pairings": pairings}
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        try:
            save_atomic(self.path, text)  # a new file, mode 0600, replaced whole or not at all
        except OSError as exc:
            raise UsageError(f"pairing store {self.path}: {exc.strerror or exc}") from exc

    # --- the operations --------------------------------------------------------------------

    def get(self, instance_uid: bytes) -> Pairing | None:
        """The pairing stored for the card ``instance_uid``, if any."""
        with self._locked():
            entry = self._read().get(to_hex(instance_uid))
        return None if entry is None else _decode(entry)

    def put(
        self, instance_uid: bytes, pairing: Pairing, identity: bytes | None = None
    ) -> list[bytes]:
        """Store (or replace) the pairing of the card ``instance_uid``; with the card's
        ``identity``, drop the entries of its former instance UIDs and return those UIDs."""
        with self._locked():
            pairings = self._read()
            dropped = _drop_identity(pairings, identity, keep=instance_uid)
            entry: dict[str, object] = {"index": pairing.index, "key": to_hex(pairing.key)}
            if identity is not None:
                entry["identity"] = to_hex(identity)
            pairings[to_hex(instance_uid)] = entry
            self._write(pairings)
        return dropped

    def forget_card(self, identity: bytes, keep: bytes | None = None) -> list[bytes]:
        """Drop every entry of the card ``identity`` except instance UID ``keep``; the UIDs
        dropped."""
        with self._locked():
            pairings = self._read()
            dropped = _drop_identity(pairings, identity, keep=keep)
            if dropped:
                self._write(pairings)
        return dropped

    def remove(self, instance_uid: bytes) -> bool:
        """Forget the pairing of ``instance_uid``; False when there was none."""
        with self._locked():
            pairings = self._read()
            if pairings.pop(to_hex(instance_uid), None) is None:
                return False
            self._write(pairings)
        return True

    def entries(self) -> list[StoredPairing]:
        """Every stored pairing, by instance UID."""
        with self._locked():
            pairings = self._read()
        return [
            StoredPairing(parse_hex(uid), _decode(entry), _identity(entry))
            for uid, entry in sorted(pairings.items())
        ]


def _identity(entry: dict[str, object]) -> bytes | None:
    identity = entry.get("identity")
    return parse_hex(identity) if isinstance(identity, str) else None


def _drop_identity(
    pairings: dict[str, dict[str, object]], identity: bytes | None, *, keep: bytes | None
) -> list[bytes]:
    """Remove the entries naming ``identity`` (all but ``keep``); the instance UIDs removed."""
    if identity is None:
        return []
    kept = None if keep is None else to_hex(keep)
    stale = [uid for uid, entry in pairings.items() if uid != kept and _identity(entry) == identity]
    for uid in stale:
        del pairings[uid]
    return [parse_hex(uid) for uid in sorted(stale)]


def _decode(entry: dict[str, object]) -> Pairing:
    index, key = entry.get("index"), entry.get("key")
    if not isinstance(index, int) or not isinstance(key, str):
        raise UsageError("a pairing store entry needs an index and a key")
    return Pairing(index, parse_hex(key))


__all__ = ["FILE_MODE", "PairingStore", "StoredPairing", "default_path"]
