"""The inert applet (cardwire.sim.applets.inert): selectable, 6A81 to every other command,
and its section keeps the load file and module it was installed from."""

from __future__ import annotations

from cardwire.apdu import Command
from cardwire.sim.applet import CardStatus
from cardwire.sim.applets import APPLET_TYPES
from cardwire.sim.applets.inert import INERT_SW, InertApplet

SECTION = {"type": "inert", "aid": "D276000124010101", "load_file": "D27600012401"}


def test_it_loads_its_load_file_record_and_answers_a_fixed_status_word() -> None:
    applet = APPLET_TYPES["inert"]({**SECTION, "module": "D2760001240101"})
    assert isinstance(applet, InertApplet)
    assert (applet.load_file, applet.module) == (
        bytes.fromhex("D27600012401"),
        bytes.fromhex("D2760001240101"),
    )
    select = Command(0x00, 0xA4, 0x04, 0x00, applet.aid)
    assert applet.select(None, select).encode() == b"\x90\x00"  # type: ignore[arg-type]
    try:
        applet.process(None, Command(0x80, 0xCA, 0x00, 0x66))  # type: ignore[arg-type]
    except CardStatus as status:
        assert status.sw == INERT_SW == 0x6A81
    else:
        raise AssertionError("an inert applet answered a command")
