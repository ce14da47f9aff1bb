"""cardpeek's ``e-passport.lua`` (Debian package cardpeek, console mode) against the simulated
ePassport behind pcscd + vpcd: BAC with the specimen MRZ, then EF.COM, DG1 and EF.SOD read under
secure messaging, and every data group the issued passport holds (DG1, DG2 with the face, DG11,
DG12, DG14, DG15; DG3/DG4 answer 6982 without EAC). cardpeek reads with READ BINARY offsets in
P1-P2 (128 bytes at a time), so at offset 32768 and beyond P1 has b8 set, which ISO 7816-4
11.3.3 reads as a short EF identifier: it could not read a DG2 past 32 KB. That is cardpeek's
limit, not the card's (docs/pcsc.md); the default passport's DG2 is below it (issue 19).

How it runs headless (docs/pcsc.md): two ``cardpeek -c -r pcsc://READER -e LUA`` runs. Its
console questions read stdin with ``fgets`` and loop on end of input, so answers go to a pipe
that stays open (run_console_client): the client blocks, never spins, and dies at the deadline.
The first run answers the two first-run questions (install ~/.cardpeek, acknowledge) and exits:
cardpeek loads its Lua start-up files before it installs them. The second run's wrapper
replaces ``ui.readline`` (console mode reads fd 0 through GNU readline, past the stdio buffer,
so a piped MRZ is never seen) and ``ui.question`` in Lua, runs the unmodified script, saves
cardpeek's card tree as XML (``ui.save_view``) and leaves with ``os.exit`` instead of falling
back to the ``cardpeek>`` prompt."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import pytest
from clients import debian_version, ended, run_console_client
from pcsc_stack import select_works

from cardwire.passport.reader import read_passport
from cardwire.sim import open_card
from cardwire.sim.applets.epassport.lds import Td3Mrz

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

# The default card's MRZ is the ICAO 9303-11 Appendix D specimen; cardpeek 0.8.4 asks for the
# lower line (at least 28 characters) and takes the BAC key seed from its characters 1-10,
# 14-20 and 22-28 (ICAO 9303-11 9.7.1: number, birth and expiry with their check digits).
MRZ = Td3Mrz()
MRZ_LINE = MRZ.text()[44:]
FIRST_RUN_ANSWERS = "1\n1\n"  # create ~/.cardpeek: 1) Yes; "restart cardpeek": 1) Ok
SPECIMEN = "L898902C<,690806,940623"
READ_BY_CARDPEEK = ("EF.COM", "DG1", "DG2", "DG11", "DG12", "DG14", "DG15", "EF.SOD")


def card_files() -> dict[str, bytes]:
    """The default card's files as cardwire's own reader reads them in process: the simulated
    passport is issued deterministically from its profile, so `sim serve` holds the same."""
    with open_card() as card:
        return read_passport(card, SPECIMEN, "mrz").files


WRAPPER = """\
local asked = {{}}
ui.readline = function(message, size, default)
  print("cardpeek asks: " .. message)
  return "{mrz}"
end
ui.question = function(message, items)
  print("cardpeek says: " .. message)
  asked[#asked + 1] = message
  return 0
end
local ok, problem = pcall(dofile, "{script}")
if not ok then print("e-passport.lua failed: " .. tostring(problem)) end
ui.save_view("{xml}")
io.stdout:flush()
os.exit((ok and #asked == 0) and 0 or 1)
"""


def attributes(node: ElementTree.Element) -> dict[str, str]:
    return {attr.get("name", ""): attr.text or "" for attr in node.findall("attr")}


def child(node: ElementTree.Element, label: str) -> ElementTree.Element:
    """The child node of cardpeek's card tree with that label (its XML: node/attr)."""
    for candidate in node.findall("node"):
        if attributes(candidate).get("label") == label:
            return candidate
    raise AssertionError(f"cardpeek's tree has no {label!r} under {attributes(node)}")


def value(node: ElementTree.Element) -> bytes:
    """A node's ``val``: cardpeek writes bytes as "8:HEX" (8 bits per element)."""
    width, _, digits = attributes(node)["val"].partition(":")
    assert width == "8", f"cardpeek val of width {width}"
    return bytes.fromhex(digits)


def file_content(application: ElementTree.Element, name: str) -> ElementTree.Element:
    return child(child(application, name), "content")


def test_cardpeek_e_passport_reads_com_dg1_sod(pcsc_stack: PcscStack, tmp_path: Path) -> None:
    client = debian_version("cardpeek")
    home = tmp_path / "home"
    home.mkdir()
    xml = tmp_path / "e-passport.xml"
    wrapper = tmp_path / "wrapper.lua"
    script = home / ".cardpeek" / "scripts" / "e-passport.lua"
    wrapper.write_text(WRAPPER.format(mrz=MRZ_LINE, script=script, xml=xml))
    reader = f"pcsc://{pcsc_stack.reader}"
    # First run: cardpeek installs ~/.cardpeek after its Lua start-up, so (as it says) it has
    # to be restarted before its scripts find lib/apdu.lua (card.tree_startup).
    status, log = run_console_client(
        client,
        *("cardpeek", "-c", "-r", reader, "-e", "os.exit(0)"),
        answers=FIRST_RUN_ANSWERS,
        home=home,
        output=tmp_path / "install.log",
    )
    assert status == 0, f"{ended(client, status)} installing ~/.cardpeek: {log[-3000:]}"
    assert script.exists(), f"{client}: no {script}: {log[-3000:]}"
    status, log = run_console_client(
        client,
        *("cardpeek", "-c", "-r", reader, "-e", f'dofile("{wrapper}")'),
        answers="",
        home=home,
        output=tmp_path / "cardpeek.log",
    )
    said = f"{ended(client, status)}: {log[-3000:]}"
    assert status == 0, said
    for name in READ_BY_CARDPEEK:
        assert f"Attempt to read from {name.replace('DG', 'EF.DG')}" in log, said
    # The whole DG2 fits below cardpeek's 32 KB limit: no READ BINARY at offset 8000 or above.
    assert "send: 0CB080" not in log, said

    # cardpeek's own output: its card tree, saved as XML (without its declaration, which
    # reads type="UTF-8" where XML wants encoding=).
    text = xml.read_text()
    tree = ElementTree.fromstring(text[text.index("<cardpeek>") :])  # noqa: S314 - cardpeek's file
    card = child(tree, "e-passport")
    application = child(card, "application")
    assert attributes(application)["id"] == "#A0000002471001", said
    # The card side: what cardpeek decrypted is the card's own files, byte for byte.
    files = card_files()
    com = child(file_content(application, "EF.COM"), "Common Data Elements")
    assert value(child(com, "Tag list")) == files["EF.COM"][-6:], said  # 61 75 6B 6C 6E 6F
    dg1 = file_content(application, "EF.DG1")
    mrz = child(child(dg1, "Template for MRZ Data Group"), "MRZ data elements")
    assert attributes(mrz)["alt"] == MRZ.text(), said
    for name in READ_BY_CARDPEEK:
        node = file_content(application, name.replace("DG", "EF.DG"))
        assert attributes(node)["size"] == str(len(files[name])), f"{name}: {said}"
    # cardpeek powers the card down when it disconnects; the card answers again afterwards.
    assert select_works(pcsc_stack.reader), "the card does not answer after cardpeek's run"
