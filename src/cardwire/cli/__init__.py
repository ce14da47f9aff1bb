"""The ``cardwire`` command line: thin over the library, conventions in docs/cli.md.

Each ``*_cmd`` module registers its commands on the groups defined in ``cardwire.cli.app``.
"""

from __future__ import annotations

import cardwire.cli.bac_cmd
import cardwire.cli.counter_cmd
import cardwire.cli.keycard_cmd
import cardwire.cli.pace_cmd
import cardwire.cli.readers_cmd
import cardwire.cli.run_cmd
import cardwire.cli.scp03_cmd
import cardwire.cli.sim_serve_cmd  # noqa: F401  (registers commands)
from cardwire.cli import (  # noqa: F401  (registers commands)
    decode_cmd,
    decode_tlv_cmd,
    demo_cmd,
    send_cmd,
    shell_cmd,
    sim_cmd,
    sm_cmd,
    trace_cmd,
)
from cardwire.cli.app import cli, main

__all__ = ["cli", "main"]
