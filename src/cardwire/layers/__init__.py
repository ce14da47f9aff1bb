"""The host's layers: each a small object over the layer below, with a sans-IO plan inside."""

from __future__ import annotations

from cardwire.layers.base import ExchangePlan, Exchanger, WireExchanger, drive
from cardwire.layers.chaining import ChainingLayer, ChainingPlan, LengthLimits, split_command
from cardwire.layers.get_response import GetResponseLayer, GetResponsePlan
from cardwire.layers.secure_messaging import SecureMessagingLayer
from cardwire.layers.stack import LayerStack
from cardwire.layers.wrong_le import WrongLengthLayer, WrongLengthPlan

__all__ = [
    "ChainingLayer",
    "ChainingPlan",
    "ExchangePlan",
    "Exchanger",
    "GetResponseLayer",
    "GetResponsePlan",
    "LayerStack",
    "LengthLimits",
    "SecureMessagingLayer",
    "WireExchanger",
    "WrongLengthLayer",
    "WrongLengthPlan",
    "drive",
    "split_command",
]
