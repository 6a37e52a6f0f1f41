"""The whole screening in each of the eight languages, stored and referred; a switch of
language halfway; Arabic and mixed scripts kept intact through the database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Services, build_services
from bot.channels.memory import MemoryChannel
from bot.core.geo import country_name
from bot.core.messages import Outbound
from bot.locales import load_translators
from bot.locales.catalogs import TEMPLATE_FILE, read_catalog
from bot.partners import demo_partner_file
from bot.settings import Settings
from bot.storage import contacts
from bot.storage.models import Contact, Referral
from tests.conftest import Clock

TRANSLATORS = load_translators()

# How a person writing in each language answers: typed by hand, in their own words.
WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {"hello": "Hello", "family": "family", "yes": "yes", "no": "no", "right": "yes"}
    | {"country": "Mexico", "state": "California", "years": "about 15 years", "skip": "skip"},
    "es": {"hello": "Hola", "family": "familia", "yes": "Sí", "no": "no", "right": "sí"}
    | {"country": "México", "state": "California", "years": "unos 15 años", "skip": "pasar"},
    "ht": {"hello": "Bonjou", "family": "fanmi", "yes": "Wi", "no": "non", "right": "wi"}
    | {"country": "Meksik", "state": "Kalifòni", "years": "15 an", "skip": "pase"},
    "pt_BR": {"hello": "Olá", "family": "familiar", "yes": "sim", "no": "não", "right": "sim"}
    | {"country": "México", "state": "Califórnia", "years": "uns 15 anos", "skip": "pular"},
    "fr": {"hello": "Bonjour", "family": "famille", "yes": "oui", "no": "non", "right": "oui"}
    | {"country": "Mexique", "state": "Californie", "years": "environ 15 ans", "skip": "passer"},
    "vi": {"hello": "Xin chào", "family": "gia đình", "yes": "có", "no": "không"}
    | {"right": "đúng", "country": "Mexico", "state": "California", "years": "15 năm"}
    | {"skip": "bỏ qua"},
    "km": {"hello": "សួស្តី", "family": "គ្រួសារ", "yes": "បាទ", "no": "ទេ", "right": "ត្រឹមត្រូវ"}
    | {"country": "ម៉ិកស៊ិក", "state": "កាលីហ្វ័រញ៉ា", "years": "15 ឆ្នាំ", "skip": "រំលង"},
    "zh_Hans": {"hello": "你好", "family": "家人", "yes": "是", "no": "不", "right": "对"}
    | {"country": "墨西哥", "state": "加州", "years": "15年", "skip": "跳过"},
}


def answers_in(locale: str) -> dict[str, str]:
    """A family member's answers to each screening question, in `locale`'s words."""
    w = WORDS[locale]
    return {
        "consent": w["yes"],
        "who": w["family"],
        "urgent_now": "3",  # neither
        "country": w["country"],
        "year_removed": "2015",
        "times_removed": "1",
        "removal_kind": "1",
        "lawyer": w["no"],
        "pending": w["no"],
        "state_lived": w["state"],
        "court_state": w["state"],
        "years_in_us": w["years"],
        "age_at_arrival": "8",
        "prior_status": "6",  # none
        "citizen_parent": w["no"],
        "military": w["no"],
        "conviction": w["no"],
        "us_family": w["yes"],
        "petition": w["no"],
        "harmed": "4",  # neither
        "fear": w["no"],
        "contact_how": "1",
        "summary": w["right"],
        "first_name": w["skip"],
        "share": w["yes"],
    }


def value(document: Mapping[str, Any], question: str) -> object:
    """The code of one answer of a referral document."""
    return document["answers"][question]["value"]


@pytest.fixture
def screening(settings: Settings, tmp_path: Path) -> Iterator[Services]:
    """Homeward with the real screening, every language, and the demo clinic as partner."""
    configured = replace(
        settings,
        start_flow="screening",
        languages=None,
        partners_file=demo_partner_file(tmp_path),
    )
    services = build_services(configured)
    yield services
    services.database.dispose()


def answer_everything(
    person: MemoryChannel, first: str, answers: Mapping[str, str]
) -> list[Outbound]:
    """Send `first`, then answer each question asked until none is; every reply, in order."""
    person.send(first)
    replies = list(person.last)
    asked: list[str] = []
    while replies and replies[-1].question in answers:
        question = replies[-1].question
        assert question not in asked, f"{question} was asked again: the answer was not read"
        asked.append(question)
        person.send(answers[question])
        replies += person.last
    return replies


def english_sources() -> list[str]:
    """The English texts a person could be sent (long enough not to be a shared word)."""
    return [
        str(m.id)
        for m in read_catalog(TEMPLATE_FILE)
        if m.id and len(str(m.id)) > 20 and not str(m.context).startswith("referral-email")
    ]


@pytest.mark.parametrize("locale", list(WORDS))
def test_a_complete_screening_in_each_language(
    locale: str, screening: Services, clock: Clock
) -> None:
    services = screening
    person = MemoryChannel(services.conversations.handle, f"family-{locale}", clock)
    replies = answer_everything(person, WORDS[locale]["hello"], answers_in(locale))

    with services.sessions() as session:
        (referral,) = session.scalars(select(Referral)).all()
        document = referral.document
    assert document["language"] == locale
    got = {question: value(document, question) for question in document["answers"]}
    assert (got["who"], got["country"], got["state_lived"]) == ("family", "MX", "CA")
    assert (got["years_in_us"], got["us_family"], got["petition"]) == (15, "yes", "no")
    assert "first_name" not in got  # skipped: no name travels
    assert referral.reference in replies[-2].text + replies[-1].text

    texts = [reply.as_plain_text() for reply in replies]
    summary = next(reply.text for reply in replies if reply.question == "summary")
    assert country_name("MX", locale) in summary  # the country named in it, in its language
    if locale != "en":
        for source in english_sources():
            assert not any(source in text for text in texts), source


def test_switching_language_halfway_keeps_the_answers_and_refers_in_the_new_one(
    screening: Services, clock: Clock
) -> None:
    services = screening
    person = MemoryChannel(services.conversations.handle, "switcher", clock)
    spanish = answers_in("es")
    person.send("Hola")
    for question in ("consent", "who", "urgent_now", "country"):
        assert person.last[-1].question == question
        person.send(spanish[question])
    assert person.last[-1].question == "year_removed"

    person.send("LANGUE")
    menu = person.last[-1]
    assert menu.question == "language"
    person.send("Français")
    again = person.last[-1]
    french = TRANSLATORS.get("fr")
    source = services.engine.flows["screening"].nodes["year_removed"].text
    assert again.question == "year_removed"
    assert again.text == french.pgettext("screening.year_removed", source) != source

    replies = answer_everything(person, "2015", answers_in("fr") | {"year_removed": "2015"})
    with services.sessions() as session:
        document = session.scalars(select(Referral)).one().document
    assert document["language"] == "fr"
    assert value(document, "country") == "MX"  # answered in Spanish, before the switch
    assert value(document, "who") == "family"
    assert replies[-1].as_plain_text() != ""


MIXED_FLOW = """\
spec: 1
id: echo
title: Echo
start: note
nodes:
  note:
    ask: Anything else?
    type: text
    next: echo
  echo:
    say: "You wrote: {note}"
    next: done
  done:
    do: end
"""


@pytest.mark.parametrize(
    "text",
    [
        "ابني محتجز في تكساس",  # Arabic, right to left
        "My son ابني is in Texas, عمره 19",  # left-to-right and right-to-left mixed
        "\u202bمرحبا\u202c and שלום",  # explicit embedding marks, Hebrew
        "我儿子 Juan 在 Tijuana 👨‍👩‍👦 ខ្ញុំ",  # Chinese, Latin, an emoji family, Khmer
    ],
)
def test_right_to_left_and_mixed_scripts_are_stored_and_echoed_intact(
    text: str, settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "echo.yaml").write_text(MIXED_FLOW, encoding="utf-8")
    configured = replace(settings, flows_dir=flows, start_flow="echo")
    services = build_services(configured)
    try:
        person = MemoryChannel(services.conversations.handle, "mixed", clock)
        person.send("hi")
        assert person.send(text) == [f"You wrote: {text}"]
    finally:
        services.database.dispose()
    restarted = build_services(configured)  # read back from the database, not from memory
    try:
        with restarted.sessions() as session:
            contact = session.scalars(select(Contact).where(Contact.address_key == "mixed")).one()
            assert contacts.load_state(session, contact).answers["note"] == text
    finally:
        restarted.database.dispose()
