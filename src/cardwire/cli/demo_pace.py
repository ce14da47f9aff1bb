"""The demo's PACE section: PACE with the CAN on the ePassport application, EF.DG1 read over the
new secure messaging, then one wrong PIN on the eID application showing its retry counter
(ICAO Doc 9303-11 4.4 and 9.8, BSI TR-03110-2 PIN management).
"""

from __future__ import annotations

from cardwire import commands
from cardwire.cli.demo_bac import TD3_LINE, mrz_of_dg1, td3_fields
from cardwire.cli.demo_cmd import DemoRun, demo_section
from cardwire.commands import SelectReturn, SelectTarget
from cardwire.errors import StatusError
from cardwire.handshakes.pace import open_pace, read_card_access, select_application
from cardwire.hexutil import to_hex
from cardwire.sim.applets.eid import DEFAULT_PIN, EID_AID
from cardwire.sim.applets.epassport.config import DEFAULT_CAN
from cardwire.sim.applets.epassport.lds import EF_DG1, EPASSPORT_AID
from cardwire.sm.pace import algorithm_for, domain_parameters
from cardwire.sw import meaning

WRONG_PIN = "000000"
EID_GIVEN_NAMES = bytes.fromhex("0104")  # the eID applet's synthetic DG4


@demo_section
def password_authenticated_connection(run: DemoRun) -> None:
    """PACE with the CAN, DG1 under the new session, a wrong eID PIN and its counter."""
    run.section("PACE: secure messaging from a short password (ICAO Doc 9303-11)")
    card = run.card
    with run.step("Select the ePassport application and read EF.CardAccess (SFI 1C) in plain"):
        select_application(card, EPASSPORT_AID)
        infos = read_card_access(card)
    for info in infos:
        algorithm = algorithm_for(info.protocol)
        group = domain_parameters(info.parameter_id or 0)
        run.result(
            "PACEInfo",
            f"{info.protocol}: {algorithm.agreement.upper()} {algorithm.mapping.upper()}, "
            f"{algorithm.key_type.name}, {group.name}",
        )
    with run.step("PACE with the CAN: MSE:Set AT, four GENERAL AUTHENTICATE steps"):
        first = infos[0]  # as read above (open_pace reads it itself when not told)
        session = open_pace(
            card, DEFAULT_CAN, kind="can", parameter_id=first.parameter_id, protocol=first.protocol
        )
        card.secure(session)
    run.result("session", "ISO secure messaging with the PACE keys, SSC 0 (9303-11 9.8.2)")
    if run.show_keys:
        run.result("send sequence counter", to_hex(session.ssc))
    with run.step("Read EF.DG1 under the new secure messaging"):
        card.send(
            commands.select_fid(
                EF_DG1.to_bytes(2, "big"), target=SelectTarget.EF, fci=SelectReturn.NONE
            )
        )
        mrz = mrz_of_dg1(card.read_file())
    run.result("MRZ", f"{mrz[:TD3_LINE]} / {mrz[TD3_LINE:]}")
    for label, value in td3_fields(mrz):
        run.result(label, value)
    card.secure(None)
    refused: StatusError | None = None
    with run.step("Select the eID application; PACE with a wrong PIN"):
        select_application(card, EID_AID)
        try:
            open_pace(card, WRONG_PIN, kind="pin")
        except StatusError as error:
            refused = error
    if refused is not None:  # 63Cx: the PIN's retry counter (BSI TR-03110-2)
        run.result("wrong PIN answered", f"{refused.sw:04X} ({meaning(refused.sw)})")
    with run.step("PACE with the right PIN: the counter is back to 3"):
        card.secure(open_pace(card, DEFAULT_PIN, kind="pin"))
        card.send(commands.select_fid(EID_GIVEN_NAMES, fci=SelectReturn.NONE))
        given = card.read_file()
    run.result("DG4 (given names)", given)
    card.secure(None)
