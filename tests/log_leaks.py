"""A pytest plugin: every logger at DEBUG, and no person's number, chat id or words in the output.

It does nothing unless HOMEWARD_LOG_LEAK_REPORT names a folder. Then it sets the root logger
and every other logger to DEBUG before each test (SQLAlchemy's statement logging included),
keeps every record, formatted with the exception messages and the repr of each `extra`, keeps
what the tests wrote to stderr, the warnings and the exceptions that reached Flask, and
collects the personal values the tests used: every Address id and Inbound text built, the
personal fields of every webhook the test client posts (numbers, texts, names, chat ids) and
whatever a test passes to `register`. At the end it searches the output for each value and
writes `report-<worker>.json` to the folder (what it saw, and every leak with its context);
tests/test_log_privacy.py runs the conversation and channel suites with it on.
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.core.keywords import match_keyword
from bot.core.languages import LEXICONS
from bot.core.messages import Address, Inbound
from bot.logs import JsonFormatter

ENV = "HOMEWARD_LOG_LEAK_REPORT"
TESTS = Path(__file__).resolve().parent
MIN_LENGTH = 4  # shorter values ("1", "yes", "no") are everywhere in any log; see report
MIN_NUMBER = 7  # digits: years and counts are in every timestamp; numbers and chat ids are longer
# aiosmtpd is the partners' mail server in the tests, not Homeward: it may log what it gets.
OUTSIDE = ("mail.log",)
# The fields of a Twilio form that hold a person's number or words.
TWILIO_FIELDS = ("From", "To", "Body", "ProfileName", "WaId", "ButtonText")
_WORD = re.compile(r"\w+")
# Python's and JSON's own words, which hostile tests send as values and every debug dump has.
LITERALS = frozenset({"None", "True", "False", "null", "true", "false"})

_watch: LeakWatch | None = None


def register(*values: object) -> None:
    """Personal values a test used that the plugin cannot see being built (no-op when off)."""
    if _watch is not None:
        for value in values:
            _watch.add(value)


def pytest_configure(config: pytest.Config) -> None:
    folder = os.environ.get(ENV)
    if folder and config.pluginmanager.get_plugin("homeward-log-leaks") is None:
        global _watch
        _watch = LeakWatch(Path(folder))
        config.pluginmanager.register(_watch, "homeward-log-leaks")


class _Keep(logging.Handler):
    """Keeps each record in its most revealing form."""

    def __init__(self, watch: LeakWatch) -> None:
        super().__init__(logging.DEBUG)
        self.watch = watch
        self.plain = logging.Formatter()
        self.json = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(OUTSIDE):
            return
        parts = [f"{record.levelname} {record.name}: {_said(record)}"]
        if record.exc_info:
            parts.append(self.plain.formatException(record.exc_info))  # messages included
        if record.stack_info:
            parts.append(record.stack_info)
        parts += [f"{key}={value!r}" for key, value in _extras(record).items()]
        self.watch.output.append("\n".join(parts))
        self.watch.levels[record.levelname] += 1
        if record.levelno == logging.DEBUG:
            self.watch.debug_loggers[record.name.split(".")[0]] += 1
        if record.name.startswith("sqlalchemy.engine"):
            message = record.getMessage()
            if _STATEMENT.match(message):
                self.watch.statements += 1
            if "[SQL parameters hidden due to hide_parameters=True]" in message:
                self.watch.hidden_parameters += 1
        line = self.json.format(record)  # what production writes: one JSON object a line
        if "\n" in line or not isinstance(json.loads(line), dict):
            self.watch.json_problems += 1


def _said(record: logging.LogRecord) -> str:
    """What the record adds to its code's own words: its arguments when it has some (so a
    test text that is also a word of the message, like "ignored", is no leak), else all."""
    if not record.args:
        return record.getMessage()
    args = record.args.values() if isinstance(record.args, Mapping) else record.args
    return " | ".join(f"{arg} {arg!r}" for arg in args)


_STATEMENT = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE)\b")
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class LeakWatch:
    """The plugin's state for one test process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.values: set[str] = set()
        self.short: set[str] = set()
        self.commands: set[str] = set()
        self.output: list[str] = []
        self.levels: Counter[str] = Counter()
        self.debug_loggers: Counter[str] = Counter()
        self.debug_on: Counter[str] = Counter()
        self.statements = 0
        self.hidden_parameters = 0
        self.json_problems = 0
        self.tests = 0
        self.handler = _Keep(self)
        self._patch()

    def add(self, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, str | int):
            return  # a hostile test's wrong type (True, None, a list): refused, not a person's
        text = str(value).strip()
        if text in LITERALS:
            self.short.add(text)  # a hostile form's "None": in any SQLAlchemy debug dump
        elif match_keyword(text, LEXICONS):
            self.commands.add(text)  # STOP, BORRAR...: the flow's words, not the person's
        elif len(text) >= MIN_LENGTH and not (text.isdigit() and len(text) < MIN_NUMBER):
            self.values.add(text)
        elif text:
            self.short.add(text)

    def add_fields(self, data: object) -> None:
        """The personal fields of a Twilio form or a Telegram update."""
        if not isinstance(data, Mapping):
            return
        for key in TWILIO_FIELDS:
            self.add(data.get(key) or "")
        for key in ("message", "edited_message"):
            self._message(data.get(key))
        query = data.get("callback_query")
        if isinstance(query, Mapping):
            self._person(query.get("from"))
            message = query.get("message")  # the bot's own message: only its chat is theirs
            if isinstance(message, Mapping):
                self._person(message.get("chat"))

    def _message(self, message: object) -> None:
        if isinstance(message, Mapping):
            for key in ("text", "caption"):
                self.add(message.get(key) or "")
            for key in ("from", "chat", "contact"):
                self._person(message.get(key))

    def _person(self, person: object) -> None:
        if isinstance(person, Mapping) and person.get("is_bot") is not True:
            for key in ("id", "user_id", "first_name", "last_name", "username", "phone_number"):
                self.add(person.get(key) or "")

    # --- where the values come from --------------------------------------------------------

    def _patch(self) -> None:
        watch = self
        address_init = Address.__init__
        inbound_init = Inbound.__init__
        client_open = FlaskClient.open
        handle_user_exception = Flask.handle_user_exception

        def new_address(self: Address, *args: Any, **kwargs: Any) -> None:
            address_init(self, *args, **kwargs)
            watch.add(self.id)

        def new_inbound(self: Inbound, *args: Any, **kwargs: Any) -> None:
            inbound_init(self, *args, **kwargs)
            if self.button is None:  # a button press reads as the choice's key, a flow word
                watch.add(self.text)
            watch.add(self.address.id)

        def new_open(self: FlaskClient, *args: Any, **kwargs: Any) -> Any:
            for key in ("data", "json"):
                watch.add_fields(_decoded(kwargs.get(key)))
            return client_open(self, *args, **kwargs)

        def new_handle(self: Flask, error: Exception) -> Any:
            # What an error handler sees; its message must be as clean as a log line. Not
            # when a test raised it on purpose (tests/test_web_errors.py plants values).
            frames = traceback.extract_tb(error.__traceback__)
            if not frames or not Path(frames[-1].filename).is_relative_to(TESTS):
                watch.output.append("".join(traceback.format_exception(error)))
            return handle_user_exception(self, error)

        Address.__init__ = new_address  # type: ignore[method-assign]
        Inbound.__init__ = new_inbound  # type: ignore[method-assign]
        FlaskClient.open = new_open  # type: ignore[method-assign]
        Flask.handle_user_exception = new_handle  # type: ignore[method-assign]

    # --- pytest hooks ----------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        # The root at DEBUG and every other logger inheriting it, as `homeward -v` starts
        # (SQLAlchemy's statement and row logging included). What the code under test then
        # sets while it runs (a client library's floor) stays, as it would in production.
        self.tests += 1
        logging.disable(logging.NOTSET)
        root = logging.getLogger()
        root.setLevel(logging.DEBUG)
        if self.handler not in root.handlers:
            root.addHandler(self.handler)
        for logger in list(logging.root.manager.loggerDict.values()):
            if isinstance(logger, logging.Logger):
                logger.setLevel(logging.NOTSET)
                logger.disabled = False
        for name in ("sqlalchemy.engine.Engine", "werkzeug", "bot"):
            if logging.getLogger(name).isEnabledFor(logging.DEBUG):
                self.debug_on[name] += 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, content in report.sections:
            if "stderr" in name:
                self.output.append(content)

    def pytest_warning_recorded(self, warning_message: Any) -> None:
        self.output.append(str(warning_message.message))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.tests == 0:
            return  # the xdist controller: its workers report
        logging.getLogger().removeHandler(self.handler)
        leaks = find_leaks(self.output, self.values)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        report = {
            "tests": self.tests,
            "records": sum(self.levels.values()),
            "levels": dict(self.levels),
            "debug_records_by_library": dict(self.debug_loggers),
            "tests_with_debug_on": dict(self.debug_on),
            "sql_statements": self.statements,
            "sql_parameters_hidden": self.hidden_parameters,
            "json_problems": self.json_problems,
            "values": sorted(self.values),
            "short_values_not_searched": sorted(self.short),
            "commands_not_searched": sorted(self.commands),
            "leaks": leaks,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"report-{worker}.json"
        # ASCII escapes: a hostile test's value may hold a lone surrogate, which UTF-8 refuses.
        path.write_text(json.dumps(report, indent=1), encoding="ascii")
        if leaks:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.tests:
            terminalreporter.write_line(
                f"log leak check: {sum(self.levels.values())} records, "
                f"{len(self.values)} personal values searched, report in {self.folder}"
            )


def find_leaks(output: Iterable[str], values: Iterable[str]) -> list[dict[str, str]]:
    """Each value found in the output as a whole (not inside a longer word or number)."""
    text = "\n".join(output)
    words = set(_WORD.findall(text))
    leaks = []
    for value in sorted(values):
        if not all(word in words for word in _WORD.findall(value)):
            continue  # a word of it never appears: cannot be there (fast path)
        where = _whole(text, value)
        if where >= 0:
            context = text[max(0, where - 120) : where + len(value) + 120]
            leaks.append({"value": value, "context": context})
    return leaks


def _whole(text: str, value: str) -> int:
    start = text.find(value)
    while start >= 0:
        before = text[start - 1] if start > 0 else " "
        end = start + len(value)
        after = text[end] if end < len(text) else " "
        glued = (value[0].isalnum() and before.isalnum()) or (
            value[-1].isalnum() and after.isalnum()
        )
        if not glued:
            return start
        start = text.find(value, start + 1)
    return -1


def _decoded(data: object) -> object:
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    if isinstance(data, str):
        try:
            return json.loads(data)
        except (ValueError, RecursionError):  # hostile bodies: the app refuses them unread
            return None
    return data
