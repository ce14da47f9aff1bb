"""The example budget of the fuzz tests and the counters the campaign runner reports.

In the test suite every property runs a small number of examples (bounded so that the whole
``tests/fuzz`` directory adds well under a minute on two cores). The long campaign
(``fuzz/campaign.py``, ``make fuzz``) multiplies the budget through the environment variable
``CARDWIRE_FUZZ_SCALE`` and reads :data:`INPUTS` after the run to say how many inputs went in.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

SCALE_VARIABLE = "CARDWIRE_FUZZ_SCALE"

INPUTS: Counter[str] = Counter()
"""Inputs run per fuzz target in this process (the campaign runner prints the totals)."""


def scale() -> float:
    """The budget multiplier: 1 in the test suite, larger for a campaign."""
    text = os.environ.get(SCALE_VARIABLE, "1")
    try:
        value = float(text)
    except ValueError:
        return 1.0
    return max(value, 0.01)


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for ``examples`` inputs (times the campaign scale), no deadline:
    hangs are caught by pytest-timeout, never by a timed assertion."""
    return settings(
        max_examples=max(1, int(examples * scale())),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def count(target: str) -> None:
    """Record one input run against ``target``."""
    INPUTS[target] += 1
