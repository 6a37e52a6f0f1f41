"""Logging for the `homeward` commands: JSON lines in production, text in development."""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any, TypeAlias

ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]

# Client libraries log each request with its URL, headers and body: httpx's URL carries the
# Telegram bot token, Twilio's client logs the account, the number and the text, PTB logs every
# call's parameters at DEBUG. They never log below these levels, not even with `homeward -v`.
VENDOR_FLOORS: Mapping[str, int] = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "twilio.http_client": logging.WARNING,
    "telegram": logging.WARNING,
    # DEBUG logs every request line with its query string: a Twilio message listing (DELETE's
    # erasure of Twilio's copies) names the person's number there.
    "urllib3": logging.WARNING,
}

# The id of the web request being handled, added to every record logged while it runs.
request_id: ContextVar[str | None] = ContextVar("homeward_request_id", default=None)

# What every LogRecord has; anything else on a record was given as `extra=`.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def structured(env: Mapping[str, str]) -> bool:
    """JSON lines unless HOMEWARD_ENV is development (Settings validates the value itself)."""
    return env.get("HOMEWARD_ENV", "production") != "development"


def configure(
    *, verbose: bool = False, json_lines: bool = True, stream: IO[str] | None = None
) -> None:
    """Send every record to `stream` (stderr) as JSON lines or text; call once, at start-up.

    Like `logging.basicConfig`, it leaves a root logger that already has handlers alone (a
    test runner's, a WSGI server's log configuration); the floors below apply either way.
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
        handler.setFormatter(JsonFormatter() if json_lines else TextFormatter(_TEXT_FORMAT))
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
        root.setLevel(logging.DEBUG if verbose else logging.INFO)
        logging.captureWarnings(True)  # a warning is one record like the others
    for name, floor in VENDOR_FLOORS.items():
        vendor = logging.getLogger(name)
        if vendor.getEffectiveLevel() < floor:
            vendor.setLevel(floor)
    # Werkzeug's development server logs each request line with its query string.
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, QueryStringFilter) for f in werkzeug.filters):
        werkzeug.addFilter(QueryStringFilter())


@contextmanager
def request_scope(value: str) -> Iterator[None]:
    """Records logged inside carry `request_id=value`."""
    token = request_id.set(value)
    try:
        yield
    finally:
        request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds the current web request's id to each record that has none."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None and not hasattr(record, "request_id"):
            record.request_id = current
        return True


class QueryStringFilter(logging.Filter):
    """Cuts query strings out of werkzeug's lines: a GET webhook would carry the sender's
    number and text there (request lines, and "Bad request syntax" errors quoting them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = _QUERY.sub(r"\1?[hidden]", message), ()
        return True


_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")


def extras(record: logging.LogRecord) -> dict[str, str | int | float | bool | None]:
    """The record's `extra=` fields (ids and codes); other types show as their type name, so
    an object cannot bring its repr (and the values in it) into the log."""
    found: dict[str, str | int | float | bool | None] = {}
    for key, value in vars(record).items():
        if key in _STANDARD or key.startswith("_"):
            continue
        ok = value is None or isinstance(value, str | int | float | bool)
        found[key] = value if ok else f"<{type(value).__name__}>"
    return found


def safe_traceback(exc_info: ExcInfo) -> str:
    """Where an exception went, frame by frame, with its type but never its message.

    An exception's message may quote what failed: a database error names the key it found
    twice, a parser the text it could not read.
    """
    lines: list[str] = []
    error: BaseException | None = exc_info[1]
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = traceback.format_list(traceback.extract_tb(error.__traceback__))
        lines.append("".join(frames).rstrip() or "  (no frames)")
        lines.append(_qualified(type(error)))
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        if error is not None:
            lines.append("while handling or caused by:")
    return "Traceback (most recent call last, messages hidden):\n" + "\n".join(reversed(lines))


def _qualified(kind: type[BaseException]) -> str:
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


class TextFormatter(logging.Formatter):
    """Readable lines: the message, then the record's ids; tracebacks without messages."""

    def format(self, record: logging.LogRecord) -> str:
        # logging caches a formatted traceback on the record; another handler's, made by a
        # plain Formatter, would bring the exception's message back.
        cached, record.exc_text = record.exc_text, None
        try:
            line = super().format(record)
        finally:
            record.exc_text = cached
        fields = extras(record)
        blocks = [v for v in fields.values() if isinstance(v, str) and "\n" in v]
        ids = " ".join(f"{k}={v}" for k, v in fields.items() if not any(v is b for b in blocks))
        if ids:
            head, newline, tail = line.partition("\n")
            line = f"{head} [{ids}]{newline}{tail}"
        return "\n".join([line, *blocks])

    def formatException(self, ei: Any) -> str:
        return safe_traceback(ei)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's extra ids."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **extras(record),
        }
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = _qualified(type(record.exc_info[1]))
            entry["traceback"] = safe_traceback(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)
