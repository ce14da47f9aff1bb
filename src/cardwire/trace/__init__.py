"""Traces: the one model (:mod:`.model`), the one text writer and reader with its dialects
(:mod:`.text`: cardwire's format, scriptor output, ``pcscd -a`` logs), the one recorder
(:mod:`.recorder`), decoding of protected sessions with keys (ISO SM / BAC, SCP03, Keycard)
and replay against a card. The format is described in docs/traces.md.
"""
