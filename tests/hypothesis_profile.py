"""Hypothesis settings for the whole suite (loaded as a plugin: `-p tests.hypothesis_profile`).

Hypothesis runs without its per-example deadline and its too-slow check: both are timed tests,
and this project measures speed in benchmarks/ only. On a loaded 2-core machine (the Sphinx build
running beside the suite) a slow example is not a failure. The other health checks stay on.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("cardwire", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cardwire")
