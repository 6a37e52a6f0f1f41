"""Log output: JSON lines in production, text in development, never an exception's message."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logs

MARIA = "+525555550123"


@pytest.fixture
def record_of() -> Iterator[logging.Logger]:
    """A logger of its own (not propagating), for formatting records by hand."""
    logger = logging.getLogger("tests.logs.own")
    logger.propagate = False
    yield logger
    logger.handlers.clear()
    logger.propagate = True


def lines(logger: logging.Logger, formatter: logging.Formatter) -> io.StringIO:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(logs.RequestIdFilter())
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    return stream


def failure() -> ValueError:
    try:
        try:
            {}[MARIA]
        except KeyError as error:
            raise ValueError(f"cannot read {MARIA}") from error
    except ValueError as error:
        return error
    raise AssertionError("unreachable")


def test_a_json_line_has_time_level_logger_message_and_the_ids(
    record_of: logging.Logger,
) -> None:
    stream = lines(record_of, logs.JsonFormatter())
    with logs.request_scope("4f2a9c"):
        record_of.info("turn contact=%s", 7, extra={"contact": 7, "referral": "HW-7QX2"})
    entry = json.loads(stream.getvalue())
    assert entry.keys() == {
        "time",
        "level",
        "logger",
        "message",
        "contact",
        "referral",
        "request_id",
    }
    assert entry["time"].endswith("+00:00") and entry["time"][:4].isdigit()
    assert (entry["level"], entry["logger"]) == ("INFO", "tests.logs.own")
    assert entry["message"] == "turn contact=7"
    assert (entry["contact"], entry["referral"], entry["request_id"]) == (7, "HW-7QX2", "4f2a9c")


def test_an_exception_is_logged_by_type_and_frames_never_by_message(
    record_of: logging.Logger,
) -> None:
    for formatter in (logs.JsonFormatter(), logs.TextFormatter()):
        stream = lines(record_of, formatter)
        error = failure()
        record_of.error("request failed", exc_info=(type(error), error, error.__traceback__))
        output = stream.getvalue()
        assert MARIA not in output
        assert "ValueError" in output and "KeyError" in output  # the chain, by type
        assert "in failure" in output  # the frames, for whoever debugs it
        if isinstance(formatter, logs.JsonFormatter):
            assert output.count("\n") == 1  # one record, one line
            assert json.loads(output)["error"] == "ValueError"


def test_a_traceback_another_handler_formatted_first_is_not_reused(
    record_of: logging.Logger,
) -> None:
    stream = lines(record_of, logs.TextFormatter())
    plain = logging.StreamHandler(io.StringIO())  # a plain Formatter: messages included
    record_of.handlers.insert(0, plain)
    error = failure()
    record_of.error("request failed", exc_info=(type(error), error, error.__traceback__))
    assert MARIA in plain.stream.getvalue()  # the other handler's business
    assert MARIA not in stream.getvalue() and "ValueError" in stream.getvalue()


def test_an_object_given_as_extra_shows_its_type_not_its_repr(
    record_of: logging.Logger,
) -> None:
    class Person:
        def __repr__(self) -> str:
            return MARIA

    stream = lines(record_of, logs.JsonFormatter())
    record_of.info("saw someone", extra={"who": Person()})
    assert json.loads(stream.getvalue())["who"] == "<Person>"


def test_text_lines_put_the_ids_after_the_message(record_of: logging.Logger) -> None:
    stream = lines(record_of, logs.TextFormatter("%(levelname)s %(name)s: %(message)s"))
    record_of.warning("outbox %d failed", 3, extra={"contact": 12})
    assert stream.getvalue() == "WARNING tests.logs.own: outbox 3 failed [contact=12]\n"


def test_werkzeug_request_lines_lose_their_query_string() -> None:
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        "",
        0,
        '"%s" %s %s',
        (f"GET /hooks/x?From={MARIA} HTTP/1.1", 200, "-"),
        None,
    )
    assert logs.QueryStringFilter().filter(record)
    assert record.getMessage() == '"GET /hooks/x?[hidden] HTTP/1.1" 200 -'


def test_configure_leaves_existing_handlers_but_floors_client_libraries() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    twilio = logging.getLogger("twilio.http_client")
    level = twilio.level
    try:
        twilio.setLevel(logging.DEBUG)
        logs.configure(verbose=True)
        assert root.handlers == before  # pytest's own capture stays
        assert not twilio.isEnabledFor(logging.INFO)  # it logs account and headers at INFO
    finally:
        twilio.setLevel(level)


def homeward(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from bot.cli import main; main()", *args]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("environment", ["production", "development"])
def test_the_command_logs_json_lines_in_production_and_text_in_development(
    environment: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "HOMEWARD_ENV": environment,
        "HOMEWARD_DATABASE_URL": f"sqlite:///{tmp_path / 'homeward.db'}",
    }
    done = homeward(env, tmp_path, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    records = done.stderr.splitlines()
    assert any("Running upgrade" in line for line in records)  # Alembic's INFO lines
    if environment == "production":
        entries = [json.loads(line) for line in records]
        assert {entry["logger"] for entry in entries} >= {"alembic.runtime.migration"}
        assert all(entry.keys() >= {"time", "level", "logger", "message"} for entry in entries)
    else:
        text_line = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ (DEBUG|INFO|WARNING|ERROR) [\w.]+: ")
        assert all(text_line.match(line) for line in records), records
        assert any(" INFO alembic.runtime.migration: " in line for line in records)
