"""--reader / --sim: one way for every command to choose its card."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cardwire.cli.app import CardwireGroup
from cardwire.cli.target import CardTarget, open_transport, target_options
from cardwire.errors import NoReaderError, UsageError
from cardwire.sim.card import SimCard
from cardwire.transport import pcsc


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"reader": "0", "sim": True}, "either --reader or --sim"),
        ({"state": Path("card.json")}, "go with --sim"),
        ({"profile": Path("card.yaml")}, "go with --sim"),
    ],
)
def test_contradictory_choices_are_usage_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        open_transport(**options)  # type: ignore[arg-type]


def test_sim_opens_the_simulated_card(tmp_path: Path) -> None:
    transport = open_transport(sim=True, state=tmp_path / "card.json")
    assert transport.atr == SimCard().atr
    assert transport.transmit(bytes.fromhex("00A4040C0AF0636172647769726500")) == b"\x90\x00"
    assert (tmp_path / "card.json").exists()


def test_without_options_the_only_reader_or_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    class TwoReaders:
        def __init__(self) -> None:
            self.scard = None
            self.handle = None

        def reader_names(self) -> list[str]:
            return ["Reader A", "Reader B"]

        def readers(self) -> list[pcsc.ReaderInfo]:
            return [pcsc.ReaderInfo(i, name, False, b"", False) for i, name in enumerate("AB")]

        def close(self) -> None:
            return None

    monkeypatch.setattr(pcsc, "PcscContext", TwoReaders)
    with pytest.raises(NoReaderError, match="none of the 2 readers holds a card") as caught:
        open_transport()
    assert "0: Reader A; 1: Reader B" in str(caught.value)


def test_options_reach_the_command_as_one_target() -> None:
    seen: list[CardTarget] = []

    @click.command(cls=click.Command)
    @target_options
    def probe(target: CardTarget) -> None:
        seen.append(target)

    group = CardwireGroup()
    group.add_command(probe, "probe")
    runner = CliRunner()
    assert runner.invoke(group, ["probe", "--reader", "1"]).exit_code == 0
    assert runner.invoke(group, ["probe", "--sim", "--state", "s.json"]).exit_code == 0
    assert seen == [CardTarget(reader="1"), CardTarget(sim=True, state=Path("s.json"))]
    assert "--reader NAME|INDEX" in runner.invoke(group, ["probe", "--help"]).output
