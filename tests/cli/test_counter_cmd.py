"""``cardwire counter --kenc K --kmac K send`` on the simulated card, and ``open counter`` in a
``cardwire run`` script and in the shell (seed 003 counter mode)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cardwire.cli import cli
from cardwire.sw import meaning

# The default profile's documented counter_sm keys (docs/simulator.md, defaults table).
KENC, KMAC = "00112233445566778899AABBCCDDEEFF", "8899AABBCCDDEEFF0011223344556677"
KEYS = ["--kenc", KENC, "--kmac", KMAC]
SELECT_5007, READ_5007 = "00A4020C025007", "00B000001D"
PROTECTED_TEXT = b"protected by secure messaging".hex().upper()
DUMP = [
    "    0000  70 72 6F 74 65 63 74 65 64 20 62 79 20 73 65 63  protected by sec",
    "    0010  75 72 65 20 6D 65 73 73 61 67 69 6E 67           ure messaging",
]


def invoke(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, input=stdin)


def test_send_reads_ef_5007_under_the_session() -> None:
    result = invoke("counter", *KEYS, "send", "--sim", SELECT_5007, READ_5007)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"> {SELECT_5007}",
        "< 9000",
        f"  9000 {meaning(0x9000)}",
        f"> {READ_5007}",
        f"< {PROTECTED_TEXT} 9000",
        *DUMP,
        f"  9000 {meaning(0x9000)}",
    ]


def test_verbose_shows_the_initial_value_request_and_never_the_keys() -> None:
    result = invoke("counter", *KEYS, "send", "--sim", "--verbose", READ_5007)
    assert result.exit_code == 0, result.output
    assert "0084000002" in result.output
    assert KENC not in result.output and KMAC not in result.output


def test_json_is_one_document() -> None:
    result = invoke("counter", *KEYS, "send", "--sim", "--json", SELECT_5007)
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["counter", "--kmac", KMAC, "send", "--sim", READ_5007], 2, "--kenc"),
        (["counter", "--kenc", KENC, "send", "--sim", READ_5007], 2, "--kmac"),
        (["counter", "--kenc", "XY", "--kmac", KMAC, "send", "--sim", READ_5007], 2, "--kenc"),
        (["counter", *KEYS, "--width", "3", "send", "--sim", READ_5007], 1, "6700"),
        (
            ["counter", *KEYS, "--aid", "F0636172647769726599", "send", "--sim", READ_5007],
            1,
            "6A82",
        ),
        (["counter", "--kenc", KMAC, "--kmac", KENC, "send", "--sim", READ_5007], 1, "6988"),
    ],
)
def test_errors_are_one_line_with_the_exit_code(args: list[str], code: int, message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert KENC not in result.stderr and KMAC not in result.stderr


def test_keys_from_a_file_and_from_the_environment(tmp_path: Path) -> None:
    secret = tmp_path / "kenc.txt"
    secret.write_text(KENC + "\n")
    args = ["--kenc", f"@{secret}", "--kmac", "env:COUNTER_KMAC", "send", "--sim", READ_5007]
    result = invoke("counter", *args, env={"COUNTER_KMAC": KMAC})
    assert result.exit_code == 0, result.output


def test_help_texts_have_an_example() -> None:
    for args in (["counter", "--help"], ["counter", "send", "--help"]):
        result = invoke(*args)
        assert result.exit_code == 0
        assert "Example:" in result.output
        assert "cardwire counter --kenc" in result.output


def test_open_counter_in_a_run_script(tmp_path: Path) -> None:
    script = tmp_path / "counter.apdu"
    script.write_text(
        "\n".join(
            [
                "00A4040C0AF0636172647769726501 expect 9000",
                f"{SELECT_5007} expect 9000",
                f"{READ_5007} expect 6982",  # plain: refused
                f"open counter --kenc {KENC} --kmac {KMAC}",
                f"{SELECT_5007} expect 9000",
                f"{READ_5007} expect 9000 {PROTECTED_TEXT}",
                "close",
                f"{READ_5007} expect 6982",
            ]
        )
        + "\n"
    )
    result = invoke("run", "--sim", str(script))
    assert result.exit_code == 0, result.output
    assert PROTECTED_TEXT in result.stdout
    assert KENC not in result.output


def test_open_counter_in_the_shell() -> None:
    script = f"open counter --kenc {KENC} --kmac {KMAC}\nselect 5007\nread-binary 0 29\n"
    result = invoke("shell", "--sim", stdin=script)
    assert result.exit_code == 0, result.output
    assert "counter session open on channel 0" in result.stdout
    assert f"data: {PROTECTED_TEXT}" in result.stdout
