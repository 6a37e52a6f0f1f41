"""No number, chat id, name or word of a person in any log at any level (tests/log_leaks.py).

The conversation, channel and delivery suites run again in a subprocess with every logger at
DEBUG, SQLAlchemy's statement logging included; the plugin then searches everything they
logged or wrote to stderr for every personal value they used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.channels.twilio.conftest import MARIA
from tests.log_leaks import ENV, find_leaks

ROOT = Path(__file__).resolve().parent.parent
SUITES = (
    "tests/test_conversations.py",
    "tests/channels",
    "tests/test_referral_end_to_end.py",
    "tests/test_screening_cases.py",
    "tests/test_transcripts.py",
    "tests/delivery",
    "tests/test_web_errors.py",
    "tests/storage/test_database_privacy.py",
)
HOUR = 3600  # a hung run fails instead of blocking the suite; the runs take minutes


def run_pytest(report: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Its own temporary folders, beside the report: nothing shared with this run's.
    basetemp = f"--basetemp={report.parent / (report.name + '-tmp')}"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", basetemp, *args]
    env = {**os.environ, ENV: str(report)}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=HOUR)


def failures(run: subprocess.CompletedProcess[str]) -> str:
    """What went wrong in a run: its error lines (without the captured log) and its summary."""
    errors = [line for line in run.stdout.splitlines() if line.startswith(("E ", "____"))]
    errors = [
        line for line in errors if not line.startswith(("E         INFO", "E         DEBUG"))
    ]
    return "\n".join(errors[:200]) + "\n" + run.stdout[-2000:] + run.stderr[-2000:]


def reports(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("report-*")]


def test_no_personal_value_reaches_the_output_with_every_logger_at_debug(
    tmp_path: Path,
) -> None:
    run = run_pytest(tmp_path / "report", "-n", "2", *SUITES)
    assert run.returncode == 0, failures(run)
    found = reports(tmp_path / "report")
    assert found, run.stdout[-3000:]
    tests = sum(r["tests"] for r in found)
    values = {value for r in found for value in r["values"]}
    leaks = [leak for r in found for leak in r["leaks"]]
    leaks += find_leaks([run.stdout, run.stderr], values)
    print(  # the figures, for whoever reads the run with -s
        f"{tests} tests, {sum(r['records'] for r in found)} records, "
        f"{sum(r['sql_statements'] for r in found)} SQL statements, "
        f"{len(values)} personal values searched, {len(leaks)} leaks"
    )
    assert leaks == [], "\n\n".join(f"{leak['value']!r} in:\n{leak['context']}" for leak in leaks)
    # It cannot pass by seeing nothing: the log was at DEBUG, statements and all, and the
    # values the tests used were collected (Maria's number, from the Twilio payloads).
    assert tests > 200 and len(values) > 100 and MARIA in values
    for report in found:
        assert report["tests_with_debug_on"]["sqlalchemy.engine.Engine"] == report["tests"]
        assert report["levels"]["DEBUG"] > 1000
        assert report["debug_records_by_library"]["sqlalchemy"] > 1000  # rows, hidden
        assert report["sql_statements"] > 500
        assert report["sql_parameters_hidden"] > 500
        assert report["json_problems"] == 0  # each record formats as one JSON line


CONTROL = """
import logging
import sys

from bot.core.messages import Address, Inbound
from tests import log_leaks
from datetime import UTC, datetime


def test_logs_what_it_must_not():
    log_leaks.register("Marie-Claude Jean-Baptiste")
    logging.getLogger("somewhere.deep").debug("hello %s", "Marie-Claude Jean-Baptiste")
    inbound = Inbound(Address("sms", "+50955550199"), "my son is in detention", datetime.now(UTC))
    print(f"texting {inbound.address.id}", file=sys.stderr)
    try:
        raise ValueError(inbound.text)
    except ValueError:
        logging.getLogger("bot.anything").exception("failed")
"""


def test_the_check_finds_a_planted_leak(tmp_path: Path) -> None:
    test_file = tmp_path / "test_control.py"
    test_file.write_text(CONTROL, encoding="utf-8")
    run = run_pytest(tmp_path / "report", "-p", "tests.log_leaks", str(test_file))
    assert run.returncode != 0  # the test passed; the check failed the session
    [report] = reports(tmp_path / "report")
    assert {leak["value"] for leak in report["leaks"]} == {
        "Marie-Claude Jean-Baptiste",  # a DEBUG record of a library's logger
        "+50955550199",  # stderr
        "my son is in detention",  # an exception message, in a logged traceback
    }
