"""Secure messaging: one sans-IO codec per protocol, host and card side together."""
