"""The applet-type table of cardwire.sim.applets: every type builds from its default
configuration, and building one type imports no other."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cardwire.sim.applets import APPLET_TYPES, DEFAULT_CONFIGS


def test_the_two_tables_name_the_same_types() -> None:
    assert set(APPLET_TYPES) == set(DEFAULT_CONFIGS)


@pytest.mark.parametrize("name", sorted(APPLET_TYPES))
def test_each_type_builds_from_its_default_config(name: str) -> None:
    section = {"type": name, **DEFAULT_CONFIGS[name]()}
    applet = APPLET_TYPES[name](section)
    assert applet.aid == bytes.fromhex(section["aid"])


def test_one_type_loads_only_its_own_modules() -> None:
    code = (
        "import sys\n"
        "from cardwire.sim.applets import APPLET_TYPES, DEFAULT_CONFIGS\n"
        "APPLET_TYPES['echo']({'type': 'echo', **DEFAULT_CONFIGS['echo']()})\n"
        "print(sorted(m for m in sys.modules if m.startswith('cardwire.sim.applets.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['cardwire.sim.applets.echo']"
