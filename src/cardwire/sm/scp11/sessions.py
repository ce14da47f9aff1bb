"""An open SCP11 channel: after the handshake SCP11 wraps like SCP03 at level 33 (GP Card Spec
v2.3 Amendment F 6.2 refers to Amendment D 6.2), with the receipt as the first MAC chaining
value (Amendment F 6.2.2). Host and card reuse SCP03's sessions around one SCP03 channel codec."""

from __future__ import annotations

from cardwire.errors import UsageError
from cardwire.sm.scp03 import (
    FULL_SECURITY,
    Mode,
    Scp03CardSession,
    Scp03Channel,
    Scp03HostSession,
    SessionKeys,
)
from cardwire.sm.scp11.constants import Variant
from cardwire.sm.scp11.crypto import Scp11Keys


def open_channel(keys: Scp11Keys, mode: Mode, receipt: bytes) -> Scp03Channel:
    # Amendment F 6.2.2: C-MAC, C-DECRYPTION, R-MAC, R-ENCRYPTION (key usage 3C), the MAC
    # chaining value starts at the receipt, the encryption counter as in Amendment D 6.2.6.
    return Scp03Channel(SessionKeys(keys.enc, keys.mac, keys.rmac), FULL_SECURITY, mode, receipt)


class Scp11HostSession(Scp03HostSession):
    """Host side of an open SCP11 channel (``scope`` SELECTION, bound to ``channel``).
    :meth:`trace_keys` gives what ``cardwire trace decode --scp11`` needs, for the caller who
    asks (a secret: never shown unless asked, docs/cli.md "Secrets")."""

    __slots__ = ("_trace_keys", "dek", "variant")

    def __init__(
        self,
        channel: Scp03Channel,
        variant: Variant,
        dek: bytes,
        number: int | None = None,
        trace_keys: tuple[bytes, bytes, bytes, bytes] | None = None,
    ) -> None:
        super().__init__(channel, number)
        self.variant = variant
        self.dek = dek  # S-DEK (Amendment F 3.1.2): encrypts keys sent with PUT KEY
        self._trace_keys = trace_keys

    def trace_keys(self) -> tuple[bytes, bytes, bytes, bytes]:
        """S-ENC, S-MAC, S-RMAC and the receipt (the first MAC chaining value, Amendment F
        6.2.2): what decodes this session in a recorded trace."""
        if self._trace_keys is None:
            raise UsageError("this SCP11 session was opened without its keys kept")
        return self._trace_keys

    def __repr__(self) -> str:
        state = "active" if self.active else "closed"
        return f"Scp11HostSession(SCP{self.variant}, {self.mode.name}, {state})"


class Scp11CardSession(Scp03CardSession):
    """Card side of an open SCP11 channel; ``oce_authenticated`` is False under SCP11b, where
    the OCE proved nothing (Amendment F 2.3: card content management needs SCP11a/c)."""

    __slots__ = ("dek", "variant")

    def __init__(self, channel: Scp03Channel, variant: Variant, dek: bytes) -> None:
        super().__init__(channel)
        self.variant = variant
        self.dek = dek

    @property
    def oce_authenticated(self) -> bool:
        return self.variant.authenticates_oce
