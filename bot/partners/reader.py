"""One directory file (YAML) read into entries whose every value is checked and keeps its line."""

from __future__ import annotations

import base64
import binascii
import difflib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.core.errors import HomewardError
from bot.core.geo import parse_country, us_state_name
from bot.core.issues import FileIssue
from bot.core.languages import LEXICONS
from bot.core.partners import SERVICES, Intake
from bot.core.tags import TAGS
from bot.flows.yamldoc import LineDict, LineList, parse

MAX_FILE_BYTES = 1_000_000  # a directory of a few hundred organizations is far smaller

# The locales Homeward speaks with a person (bot/core/languages); a partner's languages and its
# intake language are among them.
LANGUAGES = frozenset(LEXICONS)

# Plain http is refused, except on the loopback interface, which tests and the demo use.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

# A Standard Webhooks secret: "whsec_" then the base64 of 24 to 64 random bytes.
SECRET_PREFIX = "whsec_"
SECRET_MIN_BYTES, SECRET_MAX_BYTES = 24, 64

ENTRY_KEYS = (
    "id",
    "name",
    "services",
    "specialties",
    "national",
    "states",
    "countries",
    "languages",
    "takes_deported",
    "weekly_capacity",
    "intake",
    "verified",
    "general_intake",
)
_INTAKE_KEYS = ("email", "webhook", "notice_only", "language")
_WEBHOOK_KEYS = ("url", "secret")

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MAX_ID, _MAX_NAME = 64, 200
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")
_MAX_EMAIL = 254

Where = tuple[str, int]  # the file and line a value was written at


class DirectoryError(HomewardError):
    """The directory could not be loaded; `issues` holds every problem found, not the first."""

    def __init__(self, issues: tuple[FileIssue, ...]) -> None:
        self.issues = issues
        lines = "\n".join(str(issue) for issue in issues)
        super().__init__(f"{len(issues)} problem(s) in the partner directory:\n{lines}")


@dataclass(frozen=True, slots=True)
class Entry:
    """One organization as one file writes it; a field is None when left out or wrong.

    `origins` says where each written key is, so a problem found after merging two files
    still points at the line that caused it.
    """

    id: str
    where: Where
    origins: Mapping[str, Where]
    name: str | None = None
    services: frozenset[str] | None = None
    specialties: frozenset[str] | None = None
    national: bool | None = None
    states: frozenset[str] | None = None
    countries: frozenset[str] | None = None
    languages: frozenset[str] | None = None
    takes_deported: bool | None = None
    weekly_capacity: int | None = None
    intake: Intake | None = None
    verified: bool | None = None
    general_intake: bool | None = None


def read_entries(path: Path) -> tuple[list[Entry], list[FileIssue]]:
    """Read one directory file; returns the entries that could be read and every issue found.

    An entry with a problem in one field is kept without that field, so later checks (an
    unknown id, intake on a non-legal organization) still run and report everything at once.
    """
    reader = _Reader(str(path))
    doc = reader.document(path)
    if doc is None:
        return [], reader.issues
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    items = doc.get("partners")
    if not isinstance(items, LineList):
        line = doc.lines.get("partners", doc.line)
        reader.issue(line, "shape", "'partners' must be a list of organizations")
        return [], reader.issues
    for item, line in zip(items, items.lines, strict=True):
        entry = reader.entry(item, line)
        if entry is None:
            continue
        if entry.id in seen:
            reader.issue(
                line,
                "duplicate-id",
                f"the id '{entry.id}' is already used at line {seen[entry.id]}",
            )
            continue
        seen[entry.id] = line
        entries.append(entry)
    return entries, reader.issues


class _Reader:
    """Reads one file, collecting issues as it goes."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[FileIssue] = []

    def issue(self, line: int, code: str, message: str) -> None:
        self.issues.append(FileIssue(self.source, line, code, message))

    def document(self, path: Path) -> LineDict | None:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                self.issue(1, "file", f"the file is larger than {MAX_FILE_BYTES} bytes")
                return None
            doc = parse(path.read_text(encoding="utf-8"))
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            self.issue(
                mark.line + 1 if mark else 1,
                "yaml",
                f"not valid YAML: {error.problem or 'unreadable'}",
            )
            return None
        except yaml.YAMLError as error:  # a reader error (a control character) has no mark
            self.issue(1, "yaml", f"not valid YAML ({type(error).__name__})")
            return None
        except (OSError, UnicodeDecodeError) as error:
            self.issue(1, "file", f"cannot read the file ({type(error).__name__})")
            return None
        if not isinstance(doc, LineDict):
            self.issue(1, "shape", "a directory file is a mapping with a 'partners' list")
            return None
        self.unknown_keys(doc, ("partners",), "at the top of the file")
        return doc

    def unknown_keys(self, doc: LineDict, known: Collection[str], where: str) -> None:
        for key in doc:
            if key not in known:
                hint = _did_you_mean(key, known)
                self.issue(doc.lines[key], "unknown-key", f"unknown key '{key}' {where}{hint}")

    def entry(self, item: object, line: int) -> Entry | None:
        if not isinstance(item, LineDict):
            self.issue(line, "shape", "each organization is a mapping with at least an 'id'")
            return None
        self.unknown_keys(item, ENTRY_KEYS, "in an organization")
        if "id" not in item:
            self.issue(item.line, "missing-key", "this organization has no 'id'")
            return None
        partner_id = self.slug(item["id"], item.lines["id"])
        if partner_id is None:
            return None
        fields: dict[str, Any] = {}
        origins: dict[str, Where] = {}
        for key, read in self._fields().items():
            if key in item:
                key_line = item.lines[key]
                # A wrong value is left out but its key is still known to be written, so it is
                # not also reported as missing.
                fields[key] = read(item[key], key_line)
                origins[key] = (self.source, key_line)
        return Entry(partner_id, (self.source, item.line), origins, **fields)

    def _fields(self) -> Mapping[str, Callable[[object, int], object]]:
        return {
            "name": self.name,
            "services": lambda value, line: self.codes(value, line, "service", SERVICES),
            "specialties": lambda value, line: self.codes(value, line, "tag", TAGS),
            "national": lambda value, line: self.flag(value, line, "national"),
            "states": lambda value, line: self.codes(value, line, "state", _is_state),
            "countries": lambda value, line: self.codes(value, line, "country", _is_country),
            "languages": lambda value, line: self.codes(value, line, "language", LANGUAGES),
            "takes_deported": lambda value, line: self.flag(value, line, "takes_deported"),
            "weekly_capacity": self.capacity,
            "intake": self.intake,
            "verified": lambda value, line: self.flag(value, line, "verified"),
            "general_intake": lambda value, line: self.flag(value, line, "general_intake"),
        }

    def slug(self, value: object, line: int) -> str | None:
        if isinstance(value, str) and len(value) <= _MAX_ID and _ID.fullmatch(value):
            return value
        self.issue(
            line,
            "bad-id",
            "an id is a short slug of lowercase letters, digits and single hyphens "
            "(national-immigrant-justice-center)",
        )
        return None

    def name(self, value: object, line: int) -> str | None:
        if isinstance(value, str) and value.strip() and len(value) <= _MAX_NAME:
            return value.strip()
        self.issue(line, "bad-type", f"'name' must be text of at most {_MAX_NAME} characters")
        return None

    def flag(self, value: object, line: int, key: str) -> bool | None:
        if isinstance(value, bool):
            return value
        self.issue(line, "bad-type", f"'{key}' must be true or false")
        return None

    def capacity(self, value: object, line: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.issue(line, "bad-type", "'weekly_capacity' must be a whole number")
            return None
        if value < 0:
            self.issue(line, "negative-capacity", "'weekly_capacity' cannot be negative")
            return None
        return value

    def codes(
        self, value: object, line: int, what: str, known: Collection[str] | Callable[[str], bool]
    ) -> frozenset[str] | None:
        """A list of codes from a vocabulary (or a test); unknown ones are reported one by one."""
        is_known = known if callable(known) else known.__contains__
        suggestions = () if callable(known) else known
        if not isinstance(value, LineList):
            self.issue(line, "bad-type", f"a list of {what} codes is expected, like [a, b]")
            return None
        codes: set[str] = set()
        for item, item_line in zip(value, value.lines, strict=True):
            if not isinstance(item, str):
                # YAML 1.1 reads a bare NO (Norway) or ON as a yes/no: say how to write it.
                self.issue(item_line, f"unknown-{what}", f"write each {what} code in quotes")
            elif not is_known(item):
                hint = _did_you_mean(item, suggestions)
                self.issue(item_line, f"unknown-{what}", f"unknown {what} '{item}'{hint}")
            elif item in codes:
                self.issue(item_line, "duplicate-code", f"the {what} '{item}' is listed twice")
            else:
                codes.add(item)
        return frozenset(codes) if len(codes) == len(value) else None

    def intake(self, value: object, line: int) -> Intake | None:
        if not isinstance(value, LineDict):
            self.issue(line, "bad-type", "'intake' is a mapping with an email and/or a webhook")
            return None
        self.unknown_keys(value, _INTAKE_KEYS, "in 'intake'")
        problems = len(self.issues)
        email = self.email(value["email"], value.lines["email"]) if "email" in value else None
        url, secret = None, None
        if "webhook" in value:
            url, secret = self.webhook(value["webhook"], value.lines["webhook"])
        notice_only = False
        if "notice_only" in value:
            flag = self.flag(value["notice_only"], value.lines["notice_only"], "notice_only")
            notice_only = bool(flag)
        language = "en"
        if "language" in value:
            written = value["language"]
            if isinstance(written, str) and written in LANGUAGES:
                language = written
            else:
                shown = written if isinstance(written, str) else "?"
                self.issue(
                    value.lines["language"],
                    "unknown-language",
                    f"unknown language '{shown}'{_did_you_mean(shown, LANGUAGES)}",
                )
        if "email" not in value and "webhook" not in value:
            self.issue(value.line, "intake-empty", "'intake' needs an email and/or a webhook")
        elif notice_only and "email" not in value:
            self.issue(
                value.lines["notice_only"],
                "notice-without-email",
                "'notice_only' is about the email: give an email too",
            )
        if len(self.issues) > problems:
            return None
        return Intake(email, url, secret, notice_only, language)

    def email(self, value: object, line: int) -> str | None:
        if isinstance(value, str) and len(value) <= _MAX_EMAIL and _EMAIL.fullmatch(value):
            return value
        self.issue(line, "bad-email", "'email' must be one address, like intake@example.org")
        return None

    def webhook(self, value: object, line: int) -> tuple[str | None, str | None]:
        if not isinstance(value, LineDict):
            self.issue(line, "bad-type", "'webhook' is a mapping with a url and a secret")
            return None, None
        self.unknown_keys(value, _WEBHOOK_KEYS, "in 'webhook'")
        for key in _WEBHOOK_KEYS:
            if key not in value:
                self.issue(value.line, "missing-key", f"'webhook' needs a '{key}'")
        url = self.url(value["url"], value.lines["url"]) if "url" in value else None
        secret = None
        if "secret" in value:
            secret = self.secret(value["secret"], value.lines["secret"])
        return url, secret

    def url(self, value: object, line: int) -> str | None:
        # Never echo the URL: it may carry a token the partner considers secret.
        try:
            parts = urlsplit(value) if isinstance(value, str) else None
            host = parts.hostname if parts else None
        except ValueError:
            parts, host = None, None
        if parts is None or not host:
            self.issue(line, "bad-url", "the webhook 'url' must be a full https:// address")
        elif parts.username or parts.password:
            self.issue(line, "bad-url", "the webhook 'url' must not carry a user or password")
        elif parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS):
            return str(value)
        else:
            self.issue(
                line,
                "webhook-not-https",
                "the webhook 'url' must use https (http only for 127.0.0.1 or localhost)",
            )
        return None

    def secret(self, value: object, line: int) -> str | None:
        # Never echo the secret, not even in part.
        if isinstance(value, str) and value.startswith(SECRET_PREFIX):
            try:
                raw = base64.b64decode(value.removeprefix(SECRET_PREFIX), validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if SECRET_MIN_BYTES <= len(raw) <= SECRET_MAX_BYTES:
                return value
        self.issue(
            line,
            "bad-secret",
            f"the webhook 'secret' must be '{SECRET_PREFIX}' followed by the base64 of "
            f"{SECRET_MIN_BYTES} to {SECRET_MAX_BYTES} random bytes (Standard Webhooks)",
        )
        return None


def _is_state(code: str) -> bool:
    """A USPS code of a state, DC or an inhabited territory."""
    return code.isupper() and us_state_name(code) != code


def _is_country(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code Babel names a country with."""
    return len(code) == 2 and code.isupper() and parse_country(code) == code


def _did_you_mean(word: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}'?)" if close else ""
