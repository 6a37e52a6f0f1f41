"""The eight shipped languages: complete catalogs, words that cannot be mistaken for each
other, commands a reader can type as shown, and SMS text that stays cheap where it can."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.geo import normalize
from bot.core.keywords import (
    KEYWORDS,
    LANGUAGE_EVERYWHERE,
    NO,
    SKIP,
    STOP_EVERYWHERE,
    YES,
    Keyword,
)
from bot.core.languages import LEXICONS
from bot.core.sms import segments, smart_fold
from bot.flows.loader import load_flows
from bot.locales import LOCALES_DIR, shipped_locales
from bot.locales.catalogs import TEMPLATE_FILE, read_catalog, review_status

README = Path(__file__).resolve().parents[2] / "README.md"
# The languages the coalition asked for, in the order the menu lists them.
LOCALES = ("en", "es", "ht", "pt_BR", "fr", "vi", "km", "zh_Hans")
TRANSLATED = LOCALES[1:]
# Capitalised words in translations that are names or abbreviations, not commands.
NOT_COMMANDS = {"sms", "u s", "usa", "ee uu", "eua", "ice", "daca", "tps", "va", "id", "ok", "a"}


def catalog_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"


def command_words(locale: str) -> set[str]:
    """Everything a person may send as a whole command or answer word in `locale`."""
    found = set(LANGUAGE_EVERYWHERE | STOP_EVERYWHERE)
    for code in ("en", locale):
        for spellings in KEYWORDS[code].values():
            found |= spellings
        found |= YES[code] | NO[code] | SKIP[code]
    return found


def test_every_language_asked_for_ships_with_a_catalog_and_words() -> None:
    assert shipped_locales() == LOCALES
    assert tuple(LEXICONS) == LOCALES


@pytest.mark.parametrize("locale", LOCALES)
def test_each_language_has_words_for_every_command_and_answer(locale: str) -> None:
    lexicon = LEXICONS[locale]
    assert set(lexicon.commands) == {keyword.value for keyword in Keyword}
    assert all(lexicon.commands[keyword.value] for keyword in Keyword)
    assert lexicon.yes and lexicon.no and lexicon.skip and lexicon.greetings
    assert not (YES[locale] & NO[locale]), "a word cannot be both yes and no"
    assert not (YES[locale] | NO[locale]) & SKIP[locale]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogs_are_complete_and_say_whether_a_native_speaker_reviewed_them(
    locale: str,
) -> None:
    catalog = read_catalog(catalog_path(locale))
    template = {(m.context, m.id) for m in read_catalog(TEMPLATE_FILE) if m.id}
    translated = {(m.context, m.id) for m in catalog if m.id and m.string and not m.fuzzy}
    assert translated == template
    assert review_status(catalog) in ("draft", "reviewed") or (
        review_status(catalog) or ""
    ).startswith(("draft ", "reviewed "))


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_readme_shows_each_catalogs_review_status(locale: str) -> None:
    status = review_status(read_catalog(catalog_path(locale))) or ""
    state = status.split()[0]
    rows = [line for line in README.read_text().splitlines() if f"`{locale}`" in line]
    assert any(line.startswith("|") and state in line for line in rows), (locale, state)


def test_no_stop_word_is_an_answer_in_any_language() -> None:
    """STOP works in every conversation, so it must never be an ordinary answer anywhere."""
    answers: set[str] = set()
    for locale in LOCALES:
        answers |= YES[locale] | NO[locale] | SKIP[locale]
    for flow in load_flows().values():
        for node in flow.nodes.values():
            for option in node.question.options if node.question else ():
                answers |= {normalize(w) for words in option.keywords.values() for w in words}
    assert not STOP_EVERYWHERE & answers
    assert not LANGUAGE_EVERYWHERE & answers


@pytest.mark.parametrize("locale", TRANSLATED)
def test_no_translated_choice_is_a_command(locale: str) -> None:
    """A button labelled like a command would run the command when typed."""
    commands = command_words(locale) - YES[locale] - NO[locale] - SKIP[locale]
    commands -= YES["en"] | NO["en"] | SKIP["en"]
    for message in read_catalog(catalog_path(locale)):
        if message.id and message.context and message.context.count(".") == 2:
            assert normalize(message.string) not in commands, message.context


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_command_a_text_shows_in_capitals_can_be_sent_as_shown(locale: str) -> None:
    words = command_words(locale)
    for message in read_catalog(catalog_path(locale)):
        if not message.id or (message.context or "").startswith("referral-email"):
            continue
        for run in capitalised_runs(message.string):
            said = normalize(run)
            assert said in words or said in NOT_COMMANDS, (message.context, run)


def capitalised_runs(text: str) -> list[str]:
    """Runs of words in capitals ("AYUDA", "QUAY LẠI", "EE.UU."): one command each."""
    runs: list[str] = []
    current: list[str] = []
    last_end = 0
    for word in re.finditer(r"[^\W\d_]+", text):
        token = word.group()
        capital = len(token) > 1 and token.isupper()  # only cased scripts have capitals
        joined = current and re.fullmatch(r"[ .-]+", text[last_end : word.start()])
        if capital and current and not joined:
            runs.append(" ".join(current))
            current = []
        if capital:
            current.append(token)
        elif current:
            runs.append(" ".join(current))
            current = []
        last_end = word.end()
    if current:
        runs.append(" ".join(current))
    return runs


def test_english_never_needs_ucs2() -> None:
    """A curly quote or a dash in English would cost 70 characters a segment, not 160."""
    for message in read_catalog(TEMPLATE_FILE):
        if message.id:
            assert segments(str(message.id)).encoding == "GSM-7", message.context


def test_haitian_creole_stays_in_gsm7() -> None:
    """Its è and ò are GSM-7 letters: nothing in the catalog needs UCS-2."""
    for message in read_catalog(catalog_path("ht")):
        if message.id:
            assert segments(smart_fold(message.string)).encoding == "GSM-7", message.context


def test_capitalised_runs_are_found_in_any_cased_script() -> None:
    text = "Envíe IDIOMA o QUAY LẠI desde EE.UU. 发送 帮助 SÍ"
    assert capitalised_runs(text) == ["IDIOMA", "QUAY LẠI", "EE UU", "SÍ"]
