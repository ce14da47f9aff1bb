"""The ``cardwire demo`` section for GlobalPlatform SCP03 (GP Card Spec v2.3 Amendment D).

On the simulated card's Security Domain: an SCP03 session at security level 33 (C-MAC,
C-DECRYPTION, R-MAC, R-ENCRYPTION) with the default test keys, the applets listed with GET
STATUS, the key set rotated with PUT KEY from version 30 to 31, and a new session opened under
the new keys.
"""

from __future__ import annotations

from cardwire import gp
from cardwire.cli.demo_cmd import DemoRun, demo_section
from cardwire.handshakes.scp03 import open_scp03
from cardwire.hexutil import to_hex
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sm.scp03 import StaticKeys

# New keys for the rotation: fixed demo values (not secrets worth hiding in a demo trace, and
# they travel encrypted under the DEK and the session anyway).
NEW_KVN = 0x31
NEW_KEYS = StaticKeys(
    bytes.fromhex("00112233445566778899AABBCCDDEEFF"),
    bytes.fromhex("102132435465768798A9BACBDCEDFE0F"),
    bytes.fromhex("2031425364758697A8B9CADBECFD0E1F"),
    NEW_KVN,
)
FULL_LEVEL = 0x33


@demo_section
def scp03_card_management(run: DemoRun) -> None:
    """SCP03 at level 33 on the Security Domain: list applets, rotate keys, reopen."""
    run.section("GlobalPlatform SCP03 and card management (GP Card Spec v2.3, Amendment D)")
    card = run.card
    old = StaticKeys.default()
    with run.step("Select the Security Domain and open SCP03 at level 33 (keys version 30)"):
        card.select(DEFAULT_AID)
        card.secure(open_scp03(card, old, level=FULL_LEVEL, aid=DEFAULT_AID))
    with run.step("List the applets with GET STATUS (every command MACed and encrypted)"):
        entries = gp.read_status(
            lambda command: card.send(command, check=False), gp.StatusScope.APPLICATIONS
        )
    for entry in entries:
        state = "LOCKED" if entry.locked else "SELECTABLE"
        run.result(to_hex(entry.aid), f"{state} (load file {to_hex(entry.load_file or b'')})")
    with run.step("Rotate the keys with PUT KEY: version 30 replaced by version 31"):
        answer = card.send(gp.put_key(NEW_KEYS, old.dek, replace_kvn=old.kvn))
        gp.check_put_key_answer(answer.data, NEW_KEYS)
    run.result("key check values confirmed for version", f"{NEW_KVN:02X}")
    with run.step("Open a new SCP03 session under the new keys (version 31)"):
        card.secure(open_scp03(card, NEW_KEYS, level=FULL_LEVEL, aid=DEFAULT_AID))
        infos = gp.parse_key_information(
            card.send(gp.get_data(gp.TAG_KEY_INFORMATION_TEMPLATE)).data
        )
    run.result("key versions on the card", ", ".join(sorted({f"{i.kvn:02X}" for i in infos})))
    with run.step("End the session (SELECT of another application deselects the Security Domain)"):
        card.secure(None)
        card.select(bytes.fromhex("F0636172647769726500"))
