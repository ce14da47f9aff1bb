"""Several protocols decoded in one pass: ISO secure messaging and a GlobalPlatform or Keycard
session, each on its own logical channel.

The ISO SM observer already keeps one session per channel (:mod:`cardwire.trace.iso_sm`) and
sees every exchange, so a command on another channel leaves its sessions alone (the card's
rule). The other protocol gets one observer per logical channel (ISO 7816-4 5.4.1: the CLA
names the channel; GP Card Spec v2.3 10.2.3: a secure channel session belongs to the logical
channel it was opened on, and a SELECT on another channel does not end it), fed only the
exchanges of its channel.

Each exchange's entry is the most informative answer: one that verified, else a failure other
than "no session", else whatever an observer said.
"""

from __future__ import annotations

from collections.abc import Callable

from cardwire.cla import parse_cla
from cardwire.trace.iso_sm import IsoSmObserver
from cardwire.trace.observers import NO_SESSION, Decoded, Observer


def _channel(command: bytes) -> int:
    channel = parse_cla(command[0]).channel  # never raises for a byte
    return 0 if channel is None else channel


class CombinedObserver:
    """ISO SM (every channel) together with a per-channel observer of another protocol."""

    def __init__(self, iso: IsoSmObserver, per_channel: Callable[[], Observer]) -> None:
        self._iso = iso
        self._make = per_channel
        self._channels: dict[int, Observer] = {}
        self.name = f"{iso.name}+{per_channel().name}"

    def exchange(self, command: bytes, response: bytes) -> Decoded | None:
        found = [self._iso.exchange(command, response)]
        channel = _channel(command)
        if channel not in self._channels:
            self._channels[channel] = self._make()
        found.append(self._channels[channel].exchange(command, response))
        answers = [d for d in found if d is not None]
        for decoded in answers:
            if decoded.mac_ok:
                return decoded
        for decoded in answers:
            if decoded.error != NO_SESSION:
                return decoded
        return answers[0] if answers else None

    def reset(self) -> None:
        self._iso.reset()
        self._channels.clear()  # a reset closes every logical channel (ISO 7816-4 5.4.1)

    def session_keys(self) -> list[tuple[str, bytes]]:
        keys = self._iso.session_keys()
        for channel, observer in sorted(self._channels.items()):
            keys += [(f"{label} (channel {channel})", v) for label, v in observer.session_keys()]
        return keys


__all__ = ["CombinedObserver"]
