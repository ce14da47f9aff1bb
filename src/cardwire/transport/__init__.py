"""Transports: how command bytes reach a card and response bytes come back."""

from __future__ import annotations

from cardwire.transport.base import Transport

__all__ = ["Transport"]
