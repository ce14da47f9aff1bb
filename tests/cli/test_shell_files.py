"""FCP/FCI decoding for the shell (ISO/IEC 7816-4:2020 7.4) and the files-seen tree."""

from __future__ import annotations

from cardwire.cli.shell_files import FileInfo, FileTree, Location


def test_an_ef_fcp_with_compact_access_rules() -> None:
    # the simulated card's EF 5003 (docs/simulator.md, FCP)
    info = FileInfo.parse(bytes.fromhex("6F188002000E82024121830250038801188A01058C0407101010"))
    assert info is not None
    assert info.describe() == (
        "EF 5003 transparent, 14 bytes, SFI 3, operational (activated); "
        "read: PIN, update: PIN, append: PIN"
    )


def test_a_record_ef_and_a_df() -> None:
    record = FileInfo.parse(bytes.fromhex("620E82054221001004830250028A0105"))
    assert record is not None
    assert (
        record.describe() == "EF 5002 linear fixed, 4 records of 16 bytes, operational (activated)"
    )
    df = FileInfo.parse(bytes.fromhex("6F1682017883025000840AF06361726477697265018A0105"))
    assert df is not None and df.is_df
    assert df.describe() == "DF 5000, name F0636172647769726501, operational (activated)"


def test_security_conditions_never_always_and_combined() -> None:
    # access mode 07: conditions for append (b3), update (b2), read (b1), in that order
    combined = FileInfo.parse(bytes.fromhex("62098201018C040700FFD0"))
    assert combined is not None
    assert combined.access == (
        ("read", "secure messaging and PIN"),
        ("update", "never"),
        ("append", "always"),
    )


def test_not_an_fcp() -> None:
    assert FileInfo.parse(b"Hello") is None
    assert FileInfo.parse(bytes.fromhex("8001FF")) is None


def test_location_text_and_tree() -> None:
    assert Location().text() == ""
    assert Location(["3F00", "5000"], "5001").text() == "3F00/5000/5001"
    tree = FileTree()
    tree.record(["3F00"], "5000", FileInfo(fid="5000", is_df=True, name="F0"))
    assert tree.under(["3F00"]) == {"5000": FileInfo(fid="5000", is_df=True, name="F0")}
    assert tree.identifiers() == {"5000", "F0"}
