"""The views of an open SCP02 channel: host session, card session and trace observer, all on
one :class:`~cardwire.sm.scp02.channel.Scp02Channel` so host and card cannot drift apart. The
views are SCP03's generic GP views (``cardwire.sm.scp03.GpHostSession`` ...), which give SCP02
the same fail-closed rules as SCP03 (docs/simulator.md); SCP02 adds its "i" option."""

from __future__ import annotations

from cardwire.sm.scp02.channel import Scp02Channel
from cardwire.sm.scp02.constants import Option
from cardwire.sm.scp03 import GpCardSession, GpHostSession, GpObserver


class _Scp02Option:
    """What the SCP02 views add: the implementation option "i" (GP Card Spec v2.3.1 E.1.1)."""

    __slots__ = ()
    _channel: Scp02Channel

    @property
    def option(self) -> Option:
        return self._channel.option

    @property
    def session_dek(self) -> bytes:
        """The DEK session key of the session (GP Card Spec E.4.1): PUT KEY encrypts new keys
        under it (E.4.7), 3DES-ECB."""
        return self._channel.session_dek

    def _describe(self) -> str:
        return f"i={self.option:02X}, level={self._channel.level:02X}"


class Scp02HostSession(_Scp02Option, GpHostSession[Scp02Channel]):
    """Host side of an open SCP02 channel (``cardwire.sm.base.HostSecureSession``); its
    ``channel`` is set when first installed (``Card.secure``)."""

    __slots__ = ()


class Scp02CardSession(_Scp02Option, GpCardSession[Scp02Channel]):
    """Card side of an open SCP02 channel (the ``CardSession`` of ``cardwire.sim.applet``)."""

    __slots__ = ()


class Scp02Observer(_Scp02Option, GpObserver[Scp02Channel]):
    """A passive view of a recorded session (trace decoding): unwraps each protected command
    as the card would; responses carry no R-MAC under i = 15 / 55."""

    __slots__ = ()
