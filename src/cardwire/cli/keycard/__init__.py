"""The ``cardwire keycard`` command's parts: the pairing store (``store``), opening the channel
with a given, stored or new pairing (``connect``). The click group is cardwire.cli.keycard_cmd."""
