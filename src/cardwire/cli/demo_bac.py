"""The demo's BAC section: the ePassport application of the simulated card, read over secure
messaging after Basic Access Control (ICAO Doc 9303-11 4.3 and 9.8).

Steps: select the LDS1 application, show that a plain READ BINARY of EF.DG1 is refused (6982),
run BAC with the specimen MRZ, read and decode DG1 under 3DES secure messaging, then show that a
plain command ends the chip's session (9303-11 9.8, session termination).
"""

from __future__ import annotations

from cardwire import commands
from cardwire.cli.demo_cmd import DemoRun, demo_section
from cardwire.commands import SelectReturn, SelectTarget
from cardwire.errors import DecodeError
from cardwire.handshakes.bac import MrzInformation, open_bac
from cardwire.hexutil import to_hex
from cardwire.sim.applets.epassport.lds import EF_DG1, EPASSPORT_AID
from cardwire.sw import meaning
from cardwire.tlv import parse_one

# The ICAO 9303-11 Appendix D specimen (the simulated card's default MRZ, docs/simulator.md).
SPECIMEN = MrzInformation("L898902C<", "690806", "940623")
TAG_DG1, TAG_MRZ = 0x61, 0x5F1F  # ICAO 9303-10: DG1 wraps the MRZ data element 5F1F
TD3_LINE = 44  # ICAO 9303-4: two lines of 44 characters


def td3_fields(mrz: str) -> list[tuple[str, str]]:
    """The main fields of a TD3 MRZ (ICAO 9303-4 4.2.2), for display."""
    if len(mrz) != 2 * TD3_LINE:
        raise DecodeError(f"a TD3 MRZ has 88 characters, got {len(mrz)}")
    line1, line2 = mrz[:TD3_LINE], mrz[TD3_LINE:]
    surname, _, given = line1[5:].partition("<<")
    return [
        ("issuing state", line1[2:5]),
        ("name", f"{surname.replace('<', ' ')}, {given.replace('<', ' ').strip()}"),
        ("document number", line2[0:9].rstrip("<")),
        ("nationality", line2[10:13]),
        ("date of birth", line2[13:19]),
        ("sex", line2[20]),
        ("date of expiry", line2[21:27]),
    ]


def mrz_of_dg1(dg1: bytes) -> str:
    """The MRZ text inside EF.DG1 (61 { 5F1F MRZ })."""
    node = parse_one(dg1)
    inner = node.find(TAG_MRZ) if node.tag == TAG_DG1 else None
    if inner is None:
        raise DecodeError("EF.DG1 does not hold the data element 5F1F")
    return inner.value.decode("ascii")


@demo_section
def basic_access_control(run: DemoRun) -> None:
    """BAC on the ePassport applet, DG1 over secure messaging, a refused plain read."""
    run.section("Basic Access Control and secure messaging (ICAO Doc 9303-11)")
    card = run.card
    dg1 = EF_DG1.to_bytes(2, "big")
    with run.step("Select the ePassport application (LDS1) and EF.DG1 in plain"):
        card.send(commands.select_by_aid(EPASSPORT_AID, fci=SelectReturn.NONE))
        card.send(commands.select_fid(dg1, target=SelectTarget.EF, fci=SelectReturn.NONE))
    with run.step("Read EF.DG1 in plain: refused, BAC is required"):
        refused = card.send(commands.read_binary(0, ne=4), check=False)
    run.result("plain READ BINARY", f"{refused.sw:04X} ({meaning(refused.sw)})")
    with run.step("BAC: GET CHALLENGE, EXTERNAL AUTHENTICATE with the MRZ-derived keys"):
        session = open_bac(card, SPECIMEN)
        card.secure(session)
    run.result("session", "3DES secure messaging, SSC = RND.IC[4:8] || RND.IFD[4:8]")
    if run.show_keys:
        run.result("send sequence counter", to_hex(session.ssc))
    with run.step("Read EF.DG1 under secure messaging (protected on the wire)"):
        card.send(commands.select_fid(dg1, target=SelectTarget.EF, fci=SelectReturn.NONE))
        data = card.read_file()
    mrz = mrz_of_dg1(data)
    run.result("MRZ", f"{mrz[:TD3_LINE]} / {mrz[TD3_LINE:]}")
    for label, value in td3_fields(mrz):
        run.result(label, value)
    card.secure(None)
    with run.step("A plain READ BINARY ends the chip's session and is refused"):
        after = card.send(commands.read_binary(0, ne=4), check=False)
    run.result("plain READ BINARY", f"{after.sw:04X} ({meaning(after.sw)})")
