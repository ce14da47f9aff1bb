"""``cardwire trace decode|replay`` through the CLI runner: the docs/traces.md examples, each
decoding option, bad input and every exit code, and a Keycard session recorded by the CLI and
decoded by it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cardwire.card import Card
from cardwire.cli import cli
from cardwire.sim.card import SimCard
from cardwire.transport.memory import MemoryTransport
from diversified_card import MASTER, diversified_profile

DOC = Path(__file__).parent.parent.parent / "docs" / "traces.md"
ICAO = json.loads(
    (Path(__file__).parent.parent / "vectors" / "icao_9303_11_appendix_d.json").read_text()
)
D3, D4 = ICAO["d3_authentication"], ICAO["d4_secure_messaging"]
MRZ = "L898902C,690806,940623"
ICAO_TRACE = (
    f"> {D3['get_challenge']}\n< {D3['rnd_ic']}9000\n"
    f"> {D3['external_authenticate']}\n< {D3['resp_data']}9000\n"
    + "".join(f"> {s['protected_command']}\n< {s['protected_response']}\n" for s in D4)
)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["trace", *args], env=env)


@pytest.fixture
def icao(tmp_path: Path) -> Path:
    path = tmp_path / "icao.trace"
    path.write_text(ICAO_TRACE, encoding="utf-8")
    return path


# --- docs/traces.md: every example runs and prints what the page shows --------------------------

_TRACE_BLOCK = re.compile(r"```trace\n(?P<body># file: (?P<name>\S+)\n.*?)```", re.DOTALL)
_EXAMPLE = re.compile(r"```sh\n(?P<cmd>[^\n]*)\n```\s*```text\n(?P<out>.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    found = [(m["cmd"], m["out"]) for m in _EXAMPLE.finditer(text)]
    assert len(found) >= 6
    return found


@pytest.mark.parametrize(("command", "output"), _examples())
def test_docs_examples(
    command: str, output: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for block in _TRACE_BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        (tmp_path / block["name"]).write_text(block["body"], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
    assert result.stdout == output


# --- decoding options ----------------------------------------------------------------------------


def test_json_decodes_icao_from_the_mrz(icao: Path) -> None:
    result = run("decode", "--json", "--mrz", MRZ, str(icao))
    assert result.exit_code == 0, result.output
    entries: list[dict[str, Any]] = json.loads(result.stdout)
    assert [set(entry) for entry in entries[:2]] == [{"line", "command", "response"}] * 2
    assert [entry["plain_response"] for entry in entries[2:]] == [s["plain_response"] for s in D4]
    assert all(entry["mac_ok"] for entry in entries[2:])


def test_keys_from_a_file_and_the_environment(icao: Path, tmp_path: Path) -> None:
    kenc = tmp_path / "kenc"
    kenc.write_text(D3["ks_enc"] + "\n", encoding="utf-8")
    result = run(
        "decode",
        "--json",
        "--suite",
        "3des",
        "--kenc",
        f"@{kenc}",
        "--kmac",
        "env:TRACE_KMAC",
        "--ssc",
        D3["ssc"],
        str(icao),
        env={"TRACE_KMAC": D3["ks_mac"]},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[2]["mac_ok"] is True


def test_table_shows_keys_only_with_show_keys(icao: Path) -> None:
    quiet = run("decode", "--mrz", MRZ, str(icao))
    assert quiet.exit_code == 0, quiet.output
    assert D3["ks_enc"] not in quiet.output
    assert "ok" in quiet.stdout
    loud = run("decode", "--show-keys", "--mrz", MRZ, str(icao))
    assert f"KS_enc: {D3['ks_enc']}" in loud.stdout


def test_no_session_found_is_noted_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "t.trace"
    path.write_text(f"> {D4[0]['protected_command']}\n< {D4[0]['protected_response']}\n")
    result = run("decode", "--json", "--mrz", MRZ, str(path))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {
            "line": 1,
            "command": D4[0]["protected_command"],
            "response": D4[0]["protected_response"],
            "plain_command": None,
            "plain_response": None,
            "mac_ok": False,
            "error": "no session",
        }
    ]
    assert "note: no iso-sm session found" in result.stderr


def test_keycard_session_recorded_and_decoded_by_the_cli(tmp_path: Path) -> None:
    trace = tmp_path / "keycard.trace"
    state = tmp_path / "card.json"
    opened = CliRunner().invoke(
        cli,
        [
            "keycard",
            "open",
            "--sim",
            "--state",
            str(state),
            "--show-keys",
            "--json",
            "--trace",
            str(trace),
        ],
    )
    assert opened.exit_code == 0, opened.output
    keys = json.loads(opened.stdout)
    assert keys["enc"] not in trace.read_text()  # keys are never written into traces
    result = run("decode", "--json", "--keycard", f"{keys['enc']},{keys['mac']}", str(trace))
    assert result.exit_code == 0, result.output
    decoded = [entry for entry in json.loads(result.stdout) if "mac_ok" in entry]
    assert decoded and all(entry["mac_ok"] for entry in decoded)
    assert decoded[0]["plain_command"].startswith("8011000020")  # MUTUALLY AUTHENTICATE


DEFAULT_SCP03_KEY = "404142434445464748494A4B4C4D4E4F"  # the simulated card's (README defaults)


@pytest.mark.parametrize(
    ("record", "decode_option"),
    [
        (
            ["bac", "--mrz", "L898902C<,690806,940623", "send", "--sim"],
            ["--mrz", "L898902C<,690806,940623"],
        ),
        (
            [
                "scp03",
                "--keys",
                ",".join([DEFAULT_SCP03_KEY] * 3),
                "--level",
                "33",
                "send",
                "--sim",
            ],
            ["--scp03", ",".join([DEFAULT_SCP03_KEY] * 3)],
        ),
    ],
    ids=["bac", "scp03"],
)
def test_sessions_recorded_by_the_cli_decode_to_what_it_printed(
    record: list[str], decode_option: list[str], tmp_path: Path
) -> None:
    trace = tmp_path / "session.trace"
    commands = (
        ["80CA00E000", "80F24002024F0000"]
        if record[0] == "scp03"
        else ["00A4020C020101", "00B0000004"]
    )
    sent = CliRunner().invoke(cli, [*record, "--json", "--trace", str(trace), *commands])
    assert sent.exit_code == 0, sent.output
    printed = json.loads(sent.stdout)
    result = run("decode", "--json", *decode_option, str(trace))
    assert result.exit_code == 0, result.output
    decoded = [entry for entry in json.loads(result.stdout) if "mac_ok" in entry]
    assert len(decoded) == len(commands)
    assert all(entry["mac_ok"] for entry in decoded)
    assert [entry["plain_command"] for entry in decoded] == commands
    assert [entry["plain_response"] for entry in decoded] == [p["response"] for p in printed]
    assert [entry["command"] for entry in decoded] == [p["protected_command"] for p in printed]


def test_scp03_session_with_diversified_keys_decodes_with_diversify(tmp_path: Path) -> None:
    # The card's Security Domain profile says `diversify: kdf3`; the host used the master keys
    # with `cardwire scp03 --diversify kdf3`, so the trace decodes only with the same option.
    profile = str(diversified_profile(tmp_path))
    trace = tmp_path / "diversified.trace"
    commands = ["80CA00E000", "80F24002024F0000"]
    record = ["scp03", "--keys", MASTER, "--diversify", "kdf3", "send", "--sim"]
    sent = CliRunner().invoke(
        cli, [*record, "--profile", profile, "--json", "--trace", str(trace), *commands]
    )
    assert sent.exit_code == 0, sent.output
    printed = json.loads(sent.stdout)
    master_keys = ",".join([MASTER] * 3)
    result = run("decode", "--json", "--scp03", master_keys, "--diversify", "KDF3", str(trace))
    assert result.exit_code == 0, result.output
    decoded = [entry for entry in json.loads(result.stdout) if "mac_ok" in entry]
    assert [entry["plain_command"] for entry in decoded] == commands
    assert all(entry["mac_ok"] for entry in decoded)
    assert [entry["plain_response"] for entry in decoded] == [p["response"] for p in printed]
    # The master keys as given (or with `--diversify none`) are not the card's keys.
    for as_given in ([], ["--diversify", "none"]):
        wrong = run("decode", "--json", "--scp03", master_keys, *as_given, str(trace))
        assert wrong.exit_code == 1, wrong.output
        assert "card cryptogram" in wrong.stderr and MASTER not in wrong.stderr


@pytest.mark.parametrize("scheme", ["emv", "visa2"])
def test_scp02_session_with_diversified_keys_decodes_with_diversify(
    scheme: str, tmp_path: Path
) -> None:
    # The SCP02 key set of the card was diversified with EMV / VISA2 (docs/scp02.md); the
    # host used the master keys with `cardwire scp02 --diversify`, and so does the decoder.
    profile = str(diversified_profile(tmp_path, scp02=scheme))
    trace = tmp_path / "scp02.trace"
    record = ["scp02", "--keys", MASTER, "--diversify", scheme, "--level", "03", "send", "--sim"]
    sent = CliRunner().invoke(
        cli, [*record, "--profile", profile, "--trace", str(trace), "80F24002024F0000"]
    )
    assert sent.exit_code == 0, sent.output
    master_keys = ",".join([MASTER] * 3)
    result = run("decode", "--json", "--scp02", master_keys, "--diversify", scheme, str(trace))
    assert result.exit_code == 0, result.output
    decoded = [entry for entry in json.loads(result.stdout) if "mac_ok" in entry]
    assert [entry["plain_command"] for entry in decoded] == ["80F24002024F0000"]
    assert all(entry["mac_ok"] for entry in decoded)
    wrong = run("decode", "--json", "--scp02", master_keys, str(trace))
    assert wrong.exit_code == 1 and "card cryptogram" in wrong.stderr
    other = run("decode", "--scp02", master_keys, "--diversify", "kdf3", str(trace))
    assert other.exit_code == 2 and "unknown SCP02 key diversification 'kdf3'" in other.stderr


# --- errors and exit codes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scp02", "00,00,00", "--scp03", "00,00,00"], "choose one way to decode"),
        (["--mrz", MRZ, "--suite", "3des"], "choose one way to decode"),
        (["--suite", "3des", "--kenc", "00"], "--suite, --kenc, --kmac and --ssc go together"),
        (["--keycard-iv", "00"], "--keycard-iv goes with --keycard"),
        (["--mrz", "L898902C,690806"], "the MRZ must be DOC,BIRTH,EXPIRY"),
        (["--scp03", "00,11"], "--scp03 takes 3 comma-separated hex values"),
        (["--diversify", "kdf3"], "--diversify goes with --scp03 or --scp02"),
        (["--scp03", "00,00,00", "--diversify", "emv"], "unknown key diversification 'emv'"),
        (["--scp03", "00,00,00", "--diversify", "visa"], "Invalid value for '--diversify'"),
        (["--scp03", "ZZ,11,22"], "not a hex digit"),
        (
            [
                "--kenc",
                "env:TRACE_UNSET_VARIABLE",
                "--suite",
                "3des",
                "--kmac",
                "00",
                "--ssc",
                "00",
            ],
            "TRACE_UNSET_VARIABLE is not set",
        ),
    ],
)
def test_usage_errors_exit_2(icao: Path, args: list[str], message: str) -> None:
    result = run("decode", *args, str(icao))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert result.stderr.startswith("error: ")


def test_malformed_trace_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.trace"
    path.write_text("# bad\n> 00A4040C\n< 9000\n> 00G0\n< 9000\n")
    result = run("decode", str(path))
    assert result.exit_code == 2
    assert result.stderr == "error: trace line 4: not a hex digit: 'G'\n"


def test_wrong_mrz_exits_1(icao: Path) -> None:
    result = run("decode", "--json", "--mrz", "L898902C,690806,940624", str(icao))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: trace line 3: ")


def test_missing_file_exits_2() -> None:
    assert run("decode", "/nonexistent/trace").exit_code == 2


def test_replay_reports_differences_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "select.trace"
    path.write_text("> 00A4040C0AF0636172647769726500\n< 9000\n> 00B0000004\n< 9000\n")
    result = run("replay", "--sim", str(path))
    assert result.exit_code == 1
    assert "line 3: 00B0000004" in result.stdout
    assert "1 different" in result.stdout
    as_json = run("replay", "--sim", "--json", str(path))
    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    assert report["identical"] is False
    assert [d["line"] for d in report["differences"]] == [3]


def test_replay_without_a_reader_is_a_transport_or_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "t.trace"
    path.write_text("> 00A4040C\n< 9000\n")
    result = run("replay", "--reader", "no such reader h10", str(path))
    assert result.exit_code in (2, 3)  # no pyscard installed: 2; no pcscd/reader: 3
    assert result.stderr.startswith("error: ")


def test_help_texts_have_examples() -> None:
    for command in ("decode", "replay"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.stdout


def test_a_recorded_reset_and_a_short_command_replay_and_decode(tmp_path: Path) -> None:
    # End to end: `run --trace` records a reset and a malformed 2-byte command as they went
    # over the wire; `trace replay` sends both again, `trace decode` lists them. The old
    # decoder's reader refused the 2-byte command (issue 16 item 2).
    script = tmp_path / "session.apdu"
    script.write_text("00A4040C0AF0636172647769726501\nreset\n00A4040C0AF0636172647769726503\n")
    trace_file = tmp_path / "session.trace"
    recorded = CliRunner().invoke(cli, ["run", "--sim", "--trace", str(trace_file), str(script)])
    assert recorded.exit_code == 0, recorded.output
    with Card(MemoryTransport(SimCard()), trace=True) as card:
        card.transmit(b"\x00\xa4")
        assert card.trace is not None
        short = card.trace.text()
    with trace_file.open("a", encoding="utf-8") as out:
        out.write("".join(line + "\n" for line in short.splitlines() if line[:1] in "<>"))
    result = run("replay", "--sim", str(trace_file))
    assert result.exit_code == 0, result.output
    assert "3 exchanges replayed, 3 identical, 0 different" in result.stdout
    entries = json.loads(run("decode", "--json", str(trace_file)).stdout)
    assert [entry["command"][:8] for entry in entries] == ["00A4040C", "00A4040C", "00A4"]
    assert "# reset: 3B" in trace_file.read_text(encoding="utf-8")


def test_export_pcapng_and_format_option(tmp_path: Path) -> None:
    sample = Path(__file__).parent.parent / "trace" / "samples" / "pysim_apdu_trace.txt"
    out = tmp_path / "out.pcapng"
    result = run("export", "--format", "pysim", "--pcapng", str(out), str(sample))
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == bytes.fromhex("0A0D0D0A")  # a pcapng section header
    assert "5 exchanges, 10 packets" in result.stderr
    refused = run("export", "--format", "gpp", "--pcapng", str(out), str(sample))
    assert refused.exit_code != 0  # forced to the wrong format: nothing read


def test_export_takes_every_decoding_option_of_decode(icao: Path, tmp_path: Path) -> None:
    from cardwire.cli.trace_cmd import decode, export

    def names(command: Any) -> set[str]:
        return {p.name for p in command.params if p.name is not None}

    assert names(decode) - names(export) == {"as_json", "show_keys"}
    out = tmp_path / "keys.pcapng"
    session = ["--suite", "3des", "--kenc", D3["ks_enc"], "--kmac", D3["ks_mac"]]
    result = run("export", *session, "--ssc", D3["ssc"], "--pcapng", str(out), str(icao))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    for step in D4:  # each plain command of ICAO 9303-11 D.4 as a packet comment
        assert f"plain command {step['command']}".encode() in data


def test_the_decoding_options_never_show_their_secrets_in_repr() -> None:
    from cardwire.cli.trace_cmd import DecodingKeys

    text = repr(DecodingKeys(kenc="00112233445566778899AABBCCDDEEFF", pin="123456"))
    assert "kenc" in text and "pin" in text
    assert "0011" not in text and "123456" not in text
