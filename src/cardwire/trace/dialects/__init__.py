"""Readers of foreign tools' APDU logs, each a dialect of the one trace model
(:mod:`cardwire.trace.text` lists them in :data:`cardwire.trace.text.DIALECTS`)."""
