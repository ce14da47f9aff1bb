"""The PACE component the ICAO applets hold (cardwire.sim.applets.pace)."""

from __future__ import annotations

from cardwire.sim.applets.eid import EidApplet
from cardwire.sim.applets.eid import default_config as eid_config
from cardwire.sim.applets.epassport.applet import EpassportApplet
from cardwire.sim.applets.epassport.config import default_config
from cardwire.sim.applets.pace import OpenPasswords, PaceResponder
from cardwire.sm.pace import PasswordType


def test_the_eid_applet_holds_pace_instead_of_inheriting_the_epassport() -> None:
    eid = EidApplet.from_config(eid_config())
    passport = EpassportApplet.from_config(default_config())
    assert not isinstance(eid, EpassportApplet)
    assert isinstance(eid.pace, PaceResponder)
    assert isinstance(passport.pace, PaceResponder)
    assert eid.pace.policy is eid  # the eID's retry counters decide
    assert isinstance(passport.pace.policy, OpenPasswords)


def test_each_holder_names_its_passwords() -> None:
    eid = EidApplet.from_config(eid_config())
    passport = EpassportApplet.from_config(default_config())
    assert set(passport.pace.policy.pace_passwords()) == {PasswordType.MRZ, PasswordType.CAN}
    assert set(eid.pace.policy.pace_passwords()) == {
        PasswordType.CAN,
        PasswordType.PIN,
        PasswordType.PUK,
    }
