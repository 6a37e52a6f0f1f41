"""The translation template rebuilt from the sources, and the checks every catalog must pass.

`pybabel update --check` cannot be used: in Babel 2.18 it reports every catalog with a
msgctxt as changed (python-babel/babel#1307), and all Homeward texts have one.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import PoFileError, read_po

from bot.core.errors import HomewardError
from bot.core.i18n import placeholders
from bot.locales import DOMAIN, LOCALES_DIR

PROJECT_DIR = LOCALES_DIR.parent.parent  # the checkout: babel.cfg and the sources it names
MAPPING_FILE = "babel.cfg"
TEMPLATE_FILE = LOCALES_DIR / f"{DOMAIN}.pot"
COMMENT_TAGS = ("TRANSLATORS:",)  # the same tag `make i18n` passes to pybabel extract
# Every catalog says in its header comment whether a native speaker has reviewed it:
# "# Homeward-Review: draft" or "# Homeward-Review: reviewed (who, when)". A comment, not a
# header field: `pybabel update` drops header fields it does not know, and keeps comments.
REVIEW_MARK = "Homeward-Review:"
REVIEW_STATES = ("draft", "reviewed")

# One message of a catalog, as gettext looks it up.
Key = tuple[str | None, str]


class TemplateError(HomewardError):
    """The template or a catalog cannot be read, or babel.cfg is not where it should be."""


@dataclass(frozen=True, slots=True)
class Report:
    """What `homeward i18n check` found: problems (one line each) and a short summary."""

    problems: tuple[str, ...]
    summary: tuple[str, ...]


def build_template(project_dir: Path = PROJECT_DIR) -> Catalog:
    """The template `make i18n` would write now, built in memory from babel.cfg's sources."""
    mapping = project_dir / MAPPING_FILE
    try:
        with mapping.open(encoding="utf-8") as handle:
            method_map, options_map = parse_mapping_cfg(handle, str(mapping))  # type: ignore[no-untyped-call]
    except OSError as error:
        raise TemplateError(f"{_at(mapping)}: cannot read the extraction mapping") from error
    catalog = Catalog(project="Homeward", fuzzy=False)
    with _quiet_empty_msgid():
        for filename, lineno, message, comments, context in extract_from_dir(
            project_dir, method_map, options_map, DEFAULT_KEYWORDS, COMMENT_TAGS
        ):
            catalog.add(
                message, None, [(filename, lineno)], auto_comments=comments, context=context
            )
    return catalog


@contextlib.contextmanager
def _quiet_empty_msgid() -> Iterator[None]:
    """Babel writes a warning to stderr for an empty msgid, which has nothing to translate;
    other warnings are passed on."""
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        yield
    for line in captured.getvalue().splitlines():
        if "Empty msgid" not in line:
            print(line, file=sys.stderr)


def read_catalog(path: Path) -> Catalog:
    """A .po or .pot file; a file Babel cannot parse becomes one clear error."""
    try:
        with path.open("rb") as handle:
            return read_po(handle, abort_invalid=True)
    except OSError as error:
        raise TemplateError(f"{_at(path)}: cannot read ({type(error).__name__})") from error
    except (PoFileError, UnicodeDecodeError) as error:
        raise TemplateError(f"{_at(path)}: not a valid PO file ({error})") from error


def _key(message: Message) -> Key:
    return (message.context, str(message.id))


def _entries(catalog: Catalog) -> dict[Key, Message]:
    """The messages of a catalog, without the header entry."""
    return {_key(message): message for message in catalog if message.id}


def _signature(message: Message) -> tuple[str, tuple[str, ...]]:
    # Locations are left out on purpose: a text moving down a line does not change what
    # translators translate, and editing a flow must not require regenerating the template.
    # Comments are compared as words: writing the file wraps long ones onto several lines.
    comments = " ".join(" ".join(message.auto_comments).split())
    return comments, tuple(sorted(message.flags - {"fuzzy"}))


def stale_template(template: Path, project_dir: Path = PROJECT_DIR) -> list[str]:
    """Problems when the template on disk differs from the one the sources give now."""
    if not template.exists():
        return [f"{_at(template)}: missing; run `make i18n`"]
    fresh = _entries(build_template(project_dir))
    written = _entries(read_catalog(template))
    problems = []
    for key, message in fresh.items():
        if key not in written:
            problems.append(f"{_at(template)}: lacks {_show(key)}; run `make i18n`")
        elif _signature(written[key]) != _signature(message):
            line = written[key].lineno
            problems.append(f"{_at(template)}:{line}: out of date {_show(key)}; run `make i18n`")
    for key, message in written.items():
        if key not in fresh:
            problems.append(
                f"{_at(template)}:{message.lineno}: {_show(key)} is no longer in the sources; "
                "run `make i18n`"
            )
    return problems


def review_status(catalog: Catalog) -> str | None:
    """The catalog's `Homeward-Review:` header comment ("draft", "reviewed ..."), if any."""
    header: str = catalog.header_comment
    for line in header.splitlines():
        text = line.lstrip("#").strip()
        if text.startswith(REVIEW_MARK):
            return text.removeprefix(REVIEW_MARK).strip()
    return None


def catalog_problems(
    po_file: Path, catalog: Catalog, template: Catalog, template_file: Path
) -> list[str]:
    """Problems of one locale's catalog against the template."""
    entries = _entries(catalog)
    problems = []
    status = review_status(catalog)
    if status is None or not status.startswith(REVIEW_STATES):
        problems.append(
            f"{_at(po_file)}:1: the header comment needs '# {REVIEW_MARK} draft' "
            "(or 'reviewed ...' once a native speaker has reviewed it)"
        )
    for key, source in _entries(template).items():
        message = entries.get(key)
        if message is None:
            problems.append(
                f"{_at(po_file)}: missing {_show(key)} ({_at(template_file)}:{source.lineno}); "
                "run `make i18n`"
            )
            continue
        where = f"{_at(po_file)}:{message.lineno}:"
        translations = (
            message.string if isinstance(message.string, tuple | list) else (message.string,)
        )
        if not all(translations):
            problems.append(f"{where} empty translation of {_show(key)}")
        elif message.fuzzy:
            problems.append(f"{where} fuzzy (not yet confirmed) {_show(key)}")
        else:
            expected = placeholders(key[1])
            for translation in translations:
                found = placeholders(str(translation))
                if found != expected:
                    problems.append(
                        f"{where} placeholders {_names(found)} differ from the source's "
                        f"{_names(expected)} in {_show(key)}"
                    )
                    break
    return problems


def check(
    locales_dir: Path = LOCALES_DIR,
    template_file: Path = TEMPLATE_FILE,
    project_dir: Path = PROJECT_DIR,
) -> Report:
    """Everything `homeward i18n check` verifies: the template is current, catalogs complete."""
    problems = stale_template(template_file, project_dir)
    template = read_catalog(template_file) if template_file.exists() else Catalog()
    total = len(_entries(template))
    summary = [f"template: {total} message(s)" + ("" if problems else ", up to date")]
    for po_file in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalog = read_catalog(po_file)
        found = catalog_problems(po_file, catalog, template, template_file)
        problems += found
        summary.append(
            f"{po_file.parent.parent.name}: {len(found)} problem(s), "
            f"review: {review_status(catalog) or 'not stated'}"
        )
    if len(summary) == 1:
        summary.append(f"no catalogs in {_at(locales_dir)}")
    return Report(tuple(problems), tuple(summary))


def _at(path: Path) -> str:
    """A path as short as it can be: relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _show(key: Key) -> str:
    context, msgid = key
    short = msgid if len(msgid) <= 40 else msgid[:37] + "..."
    return f"[{context}] {short!r}"


def _names(names: frozenset[str]) -> str:
    return "{" + ", ".join(sorted(names)) + "}" if names else "none"
