"""The long fuzz campaign: the properties of tests/fuzz with many more inputs (``make fuzz``).

Usage::

    .venv/bin/python fuzz/campaign.py            # scale 100: 100 x the test-suite budget
    .venv/bin/python fuzz/campaign.py --scale 20 # shorter

It runs the hypothesis properties of ``tests/fuzz`` in this process with the example budget
multiplied by ``--scale`` (through ``CARDWIRE_FUZZ_SCALE``), then prints the inputs run per
target, the time taken and every finding (a failing property with its smallest example). The
exit status is 0 when nothing was found, 1 otherwise. Findings land in hypothesis' example
database (``.hypothesis/``), so the ordinary test suite replays them on the same machine.
See docs/reliability.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FUZZ_TESTS = ROOT / "tests" / "fuzz"


class FindingsReport:
    """A pytest plugin that keeps the failing properties and their reports."""

    def __init__(self) -> None:
        self.findings: list[tuple[str, str]] = []
        self.passed = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not report.failed:
            return
        if report.failed:
            self.findings.append((report.nodeid, report.longreprtext))
        elif report.when == "call":
            self.passed += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100.0, help="budget multiplier")
    parser.add_argument("-k", dest="keyword", default="", help="only properties matching this")
    args = parser.parse_args(argv)
    os.environ["CARDWIRE_FUZZ_SCALE"] = str(args.scale)
    report = FindingsReport()
    pytest_args = [str(FUZZ_TESTS), "-q", "-p", "no:randomly", "-o", "timeout=0"]
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    started = time.monotonic()
    status = pytest.main(pytest_args, plugins=[report])
    elapsed = time.monotonic() - started
    budget = sys.modules.get("fuzz_budget")
    inputs = dict(getattr(budget, "INPUTS", {}))
    print(f"\nfuzz campaign at scale {args.scale:g}: {elapsed:.0f} s")
    for target in sorted(inputs):
        print(f"  {inputs[target]:>10}  {target}")
    print(f"  {sum(inputs.values()):>10}  inputs in total")
    print(f"properties passed: {report.passed}; findings: {len(report.findings)}")
    for nodeid, text in report.findings:
        print(f"\nFINDING {nodeid}\n{text[-3000:]}")
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return int(status)
    return 1 if report.findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
