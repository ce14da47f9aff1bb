"""The host's layers: each a small object over the layer below, with a sans-IO plan inside.

Modules (import from them; this package re-exports nothing): ``base`` (the plan protocol and
its driver), ``chaining``, ``get_response``, ``wrong_le``, ``secure_messaging``, ``stack``.
"""
