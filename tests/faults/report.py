"""The fault suites' plumbing: the `slow` marker, and their figures printed after the run.

Loaded by tests/conftest.py for every run (also the controller of a parallel run, which
collects nothing itself): a fault test records its figures as a user property of its report,
and they come back here from whichever process ran it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pytest

FIGURES = "fault-figures"
SLOW = "slow: a long fault run; `make test-slow` runs these (`make test` skips them)"


@dataclass(frozen=True)
class Figures:
    """What one fault run did: messages attempted and delivered, repeats the receiver dropped,
    messages lost (never delivered; must be 0), and the tries it took."""

    suite: str
    backend: str
    messages: int
    attempts: int
    delivered: int
    duplicates: int
    lost: int
    note: str = ""

    def line(self) -> str:
        return (
            f"{self.suite:<34} {self.backend:<10} messages {self.messages:>4}  "
            f"attempts {self.attempts:>5}  delivered {self.delivered:>4}  "
            f"duplicates {self.duplicates:>4}  lost {self.lost}"
            + (f"  ({self.note})" if self.note else "")
        )


def record(request: pytest.FixtureRequest, figures: Figures) -> None:
    """Keep `figures` for the summary at the end of the run, and print them now (`-s`)."""
    request.node.user_properties.append((FIGURES, json.dumps(asdict(figures))))
    print(figures.line())


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", SLOW)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Skipped unless the run asks for them by marker (`-m slow`), so that `make test` and a
    # bare `pytest` stay short.
    if "slow" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="slow fault run: `make test-slow`")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == FIGURES and isinstance(value, str):
            _pending.append(Figures(**json.loads(value)))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _pending:
        return
    terminalreporter.section("fault suites: what the receivers saw")
    for figures in sorted(_pending, key=lambda f: (f.suite, f.backend, f.messages)):
        terminalreporter.write_line(figures.line())


# The figures this process received reports of (the controller's, in a parallel run).
_pending: list[Figures] = []
