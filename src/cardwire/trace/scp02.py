"""Decoding GlobalPlatform SCP02 sessions (i = 15 / 55) in a trace from the static keys.

The observer watches for INITIALIZE UPDATE whose answer names SCP02 (GP Card Spec v2.3.1
E.5.1.6) and the EXTERNAL AUTHENTICATE after it, rebuilds the session with the codec of
:mod:`cardwire.sm.scp02` (card cryptogram, host cryptogram and C-MAC checked) and decodes every
later command with GP secure messaging: C-MAC checked, data decrypted at level 03. A SELECT or a
reset ends the session (GP Card Spec 10.2.3). A failed C-MAC marks its exchange as failed and
decoding goes on from the C-MAC on the wire. The pseudo-random card challenge is not checked.
With ``diversify`` (``emv``, ``visa2``) the static keys given are master keys, diversified with
each card's key diversification data (:mod:`cardwire.sm.scp02.diversification`).
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.errors import DecodeError, SecureChannelError
from cardwire.sm.scp02 import I_15, Scp02Card, StaticKeys
from cardwire.sm.scp02.channel import Scp02Channel
from cardwire.sm.scp02.constants import SCP02_ID
from cardwire.sm.scp02.sessions import Scp02Observer
from cardwire.sm.scp03 import INS_EXTERNAL_AUTHENTICATE, INS_INITIALIZE_UPDATE, carries_gp_sm
from cardwire.trace.observers import Decoded
from cardwire.trace.scp03 import GpTraceObserver

SW_OK = 0x9000


class Scp02TraceObserver(GpTraceObserver):
    """A passive SCP02 decoder (see the module text)."""

    name = "scp02"

    def __init__(self, keys: StaticKeys, *, diversify: str | None = None) -> None:
        self._static = keys
        self._diversify = diversify
        self._card: Scp02Card | None = None
        self._session: Scp02Observer | None = None

    def session_keys(self) -> list[tuple[str, bytes]]:
        return []

    def reset(self) -> None:
        self._session = None
        self._card = None

    def _selected(self, select: Command, answer: Response) -> None:
        self.reset()

    def _decode(self, wire: Command, answer: Response) -> Decoded | None:
        info = parse_cla(wire.cla)
        if info.gp and wire.ins == INS_INITIALIZE_UPDATE and not carries_gp_sm(wire.cla):
            self._start(wire, answer)
            return None
        if wire.ins == INS_EXTERNAL_AUTHENTICATE and self._card is not None:
            self._open(wire, answer)
            return None
        session = self._session
        if session is None or not carries_gp_sm(wire.cla):
            return None
        try:
            plain = session.command(wire)
        except (SecureChannelError, DecodeError):
            return Decoded.failed()
        return Decoded(plain.encode(), session.response(answer).encode(), True)

    def _start(self, initialize: Command, answer: Response) -> None:
        """Replay the card's side: a card holding the static keys that answers with the
        recorded counter and challenge rebuilds the same session keys."""
        self._session = self._card = None
        data = answer.data
        if answer.sw != SW_OK or len(data) != 28 or data[11] != SCP02_ID:
            return
        static = self._static
        if self._diversify is not None:  # master keys: the card's come from its data
            static = static.diversified(data[:10], self._diversify)
        keys = StaticKeys(static.enc, static.mac, static.dek, data[10])
        card = Scp02Card([keys], b"\x00" * 5, I_15, data[:10], rng=lambda _n: data[14:20])
        counter = int.from_bytes(data[12:14], "big")
        replayed = card.initialize_update(initialize.replace(p1=0), counter)
        if replayed.data[20:] != data[20:]:
            raise SecureChannelError("card cryptogram does not verify: wrong SCP02 keys")
        self._card = card

    def _open(self, external: Command, answer: Response) -> None:
        card, self._card = self._card, None
        if card is None or answer.sw != SW_OK:
            return
        _done, session = card.external_authenticate(external)
        channel: Scp02Channel = session._channel
        channel.keep_going_after_failures()
        self._session = Scp02Observer(channel)

    def __repr__(self) -> str:
        return f"Scp02TraceObserver({'active' if self.active else 'idle'}, <keys hidden>)"


__all__ = ["Scp02TraceObserver"]
