"""`homeward i18n check`: the template follows the sources, and every catalog is complete."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

import bot.core.texts
import bot.delivery.email
from bot.cli import main
from bot.core.i18n import Text
from bot.locales import load_catalog
from bot.locales.catalogs import TEMPLATE_FILE, check, read_catalog

NAME_CONTEXT = "referral-email.intro"  # "A new referral from Homeward for {partner}."
EMPTY_CONTEXT = "engine.yes"
FUZZY_CONTEXT = "screening.who"
MISSING_CONTEXT = "engine.no"


def text_constants(*modules: object) -> set[tuple[str, str]]:
    """Every Text of the modules, also those kept in a mapping (answered-by lines)."""
    found: set[tuple[str, str]] = set()
    for module in modules:
        for value in vars(module).values():
            values = value.values() if isinstance(value, dict) else [value]
            found |= {(t.context, t.source) for t in values if isinstance(t, Text) and t.source}
    return found


def template_keys() -> set[tuple[str | None, str]]:
    return {(m.context, str(m.id)) for m in read_catalog(TEMPLATE_FILE) if m.id}


def test_engine_and_email_texts_are_in_the_template() -> None:
    engine = text_constants(bot.core.texts)
    email = text_constants(bot.delivery.email)
    assert len(engine) > 20 and len(email) > 5
    assert engine | email <= template_keys()
    assert ("referral-email.answered-by-family", "Answered by: a family member") in email


def test_the_repository_passes() -> None:
    report = check()
    assert report.problems == ()
    assert report.summary[0].endswith("up to date")


def test_the_command_passes_and_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["i18n", "check", "--locales", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    assert "no catalogs in" in result.output


def write_catalog(
    locales: Path, locale: str = "es", review: str = "# Homeward-Review: draft\n"
) -> Path:
    """A complete catalog: every template message 'translated' with its placeholders kept."""
    catalog = Catalog(locale=locale, header_comment=review + "# Test catalog.", fuzzy=False)
    for message in read_catalog(TEMPLATE_FILE):
        if message.id:
            catalog.add(message.id, f"«{message.id}»", context=message.context)
    path = locales / locale / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=99)
    return path


def edit_catalog(path: Path, context: str, **change: object) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    message = next(m for m in catalog if m.context == context)
    if change.get("delete"):
        catalog.delete(message.id, context=context)
    if "string" in change:
        message.string = str(change["string"])
    if change.get("fuzzy"):
        message.flags.add("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=99)


def line_of(path: Path, context: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f'msgctxt "{context}"') + 1
    return start + 1  # Babel reports the msgid line, right under the msgctxt


def test_a_complete_catalog_passes_and_loads(tmp_path: Path) -> None:
    po_file = write_catalog(tmp_path)
    report = check(locales_dir=tmp_path)
    assert report.problems == ()
    assert "es: 0 problem(s), review: draft" in report.summary
    catalog = load_catalog(po_file)
    assert catalog.pgettext("engine.yes", "Yes") == "«Yes»"


def test_missing_empty_fuzzy_and_placeholder_problems_each_name_file_and_line(
    tmp_path: Path,
) -> None:
    po_file = write_catalog(tmp_path)
    edit_catalog(po_file, MISSING_CONTEXT, delete=True)
    edit_catalog(po_file, EMPTY_CONTEXT, string="")
    edit_catalog(po_file, FUZZY_CONTEXT, fuzzy=True)
    edit_catalog(po_file, NAME_CONTEXT, string="Un nuevo caso para {socio}.")

    result = CliRunner().invoke(main, ["i18n", "check", "--locales", str(tmp_path)])

    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if str(po_file) in line]
    assert len(problems) == 4, result.output
    (missing,) = [p for p in problems if ": missing " in p]
    assert f"{po_file}: missing [engine.no] 'No'" in missing
    assert "messages.pot:" in missing
    by_kind = {
        "empty translation of [engine.yes]": EMPTY_CONTEXT,
        "fuzzy (not yet confirmed) [screening.who]": FUZZY_CONTEXT,
        "placeholders {socio} differ from the source's {partner}": NAME_CONTEXT,
    }
    for fragment, context in by_kind.items():
        (line,) = [p for p in problems if fragment in p]
        assert line.startswith(f"{po_file}:{line_of(po_file, context)}: "), line
    assert "Error: 4 translation problem(s)" in result.output
    assert "es: 4 problem(s), review: draft" in result.output


def test_a_catalog_must_say_whether_it_was_reviewed(tmp_path: Path) -> None:
    po_file = write_catalog(tmp_path, review="")
    report = check(locales_dir=tmp_path)
    assert report.problems == (
        f"{po_file}:1: the header comment needs '# Homeward-Review: draft' "
        "(or 'reviewed ...' once a native speaker has reviewed it)",
    )
    assert "es: 1 problem(s), review: not stated" in report.summary


@pytest.mark.parametrize("edit", ["drop", "add", "comment"])
def test_a_stale_template_fails(tmp_path: Path, edit: str) -> None:
    template = tmp_path / "messages.pot"
    shutil.copy(TEMPLATE_FILE, template)
    catalog = read_catalog(template)
    if edit == "drop":
        catalog.delete("Yes", context="engine.yes")
        expected = "lacks [engine.yes] 'Yes'"
    elif edit == "add":
        catalog.add("Gone", context="engine.gone")
        expected = "[engine.gone] 'Gone' is no longer in the sources"
    else:
        next(m for m in catalog if m.context == "screening.who").auto_comments = ["Old note."]
        expected = "out of date [screening.who]"
    with template.open("wb") as handle:
        write_po(handle, catalog, width=99)

    result = CliRunner().invoke(
        main, ["i18n", "check", "--locales", str(tmp_path), "--template", str(template)]
    )

    assert result.exit_code == 1
    problems = result.output.splitlines()[:-3]
    assert len(problems) == 1 and expected in problems[0], result.output
    assert "run `make i18n`" in problems[0]


def test_a_missing_template_fails(tmp_path: Path) -> None:
    report = check(locales_dir=tmp_path, template_file=tmp_path / "messages.pot")
    assert report.problems == (f"{tmp_path / 'messages.pot'}: missing; run `make i18n`",)
