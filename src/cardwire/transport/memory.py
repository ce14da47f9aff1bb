"""A transport bound to a simulated card in the same process: no threads, no sockets."""

from __future__ import annotations

from typing import Protocol

from cardwire.transport.base import LocalTransport


class InProcessCard(Protocol):
    """What :class:`MemoryTransport` needs from a card (``cardwire.sim.card.SimCard`` has it)."""

    @property
    def atr(self) -> bytes: ...

    def process(self, apdu: bytes) -> bytes: ...

    def power_on(self) -> bytes: ...

    def power_off(self) -> None: ...

    def reset(self) -> bytes: ...


class MemoryTransport(LocalTransport):
    """Calls ``card.process`` directly. ``close()`` makes every later call a TransportError."""

    def __init__(self, card: InProcessCard, name: str = "cardwire simulated card") -> None:
        super().__init__(name)
        self.card = card

    @property
    def atr(self) -> bytes:
        return self.card.atr

    def transmit(self, apdu: bytes) -> bytes:
        self._check_open()
        return self.card.process(bytes(apdu))

    def reset(self, cold: bool = False) -> bytes:
        """Warm reset, or a power cycle when ``cold``; returns the ATR."""
        self._check_open()
        if cold:
            self.card.power_off()
            return self.card.power_on()
        return self.card.reset()
