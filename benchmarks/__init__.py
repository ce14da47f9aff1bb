"""cardwire benchmarks: every protocol beside its crypto floor and its Python peers (issue 10).

Run with ``python -m benchmarks`` (``make bench``); see docs/benchmarks.md.
"""
