"""Settings for the whole suite.

Hypothesis runs without its per-example deadline: a deadline is a timed test, and this project
measures speed in benchmarks/ only. On a loaded 2-core machine (the Sphinx build running beside
the suite) a slow example is not a failure.
"""

from hypothesis import settings

settings.register_profile("cardwire", deadline=None)
settings.load_profile("cardwire")
