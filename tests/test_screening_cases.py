"""Six people the coalition's letter names, each in their own language and words, through the
database: where the case goes (the shipped directory, every legal organization given an
intake) and the referral that is stored, or that nothing is kept."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Services, build_services
from bot.channels.memory import MemoryChannel
from bot.core.matching import TAG_PHRASES
from bot.core.messages import Outbound
from bot.settings import Settings
from bot.storage import contacts
from bot.storage.models import Contact, Referral
from tests.conftest import Clock
from tests.test_languages_end_to_end import answer_everything

EVERY_LEGAL_INTAKE = Path(__file__).parent / "partners" / "every_legal_intake.yaml"


@pytest.fixture
def coalition(settings: Settings) -> Iterator[Services]:
    """The real screening over the shipped directory, every legal organization reachable."""
    configured = replace(
        settings, start_flow="screening", languages=None, partners_file=EVERY_LEGAL_INTAKE
    )
    services = build_services(configured)
    yield services
    services.database.dispose()


def conversation(
    services: Services, clock: Clock, who: str, first: str, answers: Mapping[str, str]
) -> list[Outbound]:
    """Say `first`, then answer each question asked from `answers` until none is."""
    person = MemoryChannel(services.conversations.handle, who, clock)
    return answer_everything(person, first, answers)


def stored(services: Services) -> tuple[Referral, dict[str, Any]]:
    with services.sessions() as session:
        (referral,) = session.scalars(select(Referral)).all()
        return referral, dict(referral.document)


def value(document: Mapping[str, Any], question: str) -> object:
    return document["answers"][question]["value"]


def routed_for(
    services: Services,
    document: Mapping[str, Any],
    tag: str,
    state: str,
    *,
    abroad: bool = True,
    state_bound: bool = False,
) -> None:
    """Where a partner known for `tag` could take the case (it receives referrals, takes
    people already deported if they are abroad, and, for work bound to a state's courts or
    detention centres, serves `state`), the case went to one of them and the reasons say so;
    where none could, it went to a partner serving `state`, or to the general intake."""
    chosen = services.directory.get(document["partner"]["id"])
    assert chosen is not None
    specialists = [
        p
        for p in services.directory.partners
        if p.can_receive
        and not p.general_intake
        and tag in p.specialties
        and (p.takes_deported or not abroad)
        and (not state_bound or state in p.states or p.national)
    ]
    if specialists:
        assert chosen in specialists
        assert TAG_PHRASES[tag] in document["match_reasons"]
    else:
        assert chosen.general_intake or state in chosen.states


def test_a_veterans_daughter_in_spanish_in_her_own_words(
    coalition: Services, clock: Clock
) -> None:
    replies = conversation(
        coalition,
        clock,
        "hija-de-veterano",
        "Hola",
        {
            "consent": "sí",
            "who": "soy su hija",
            "urgent_now": "ninguno",
            "country": "México",
            "year_removed": "hace 7 años",
            "times_removed": "1",
            "removal_kind": "1",
            "lawyer": "no sé",
            "pending": "no",
            "state_lived": "Texas",
            "court_state": "Texas",
            "years_in_us": "unos 25 años",
            "age_at_arrival": "19",
            "prior_status": "1",  # green card
            "military": "sí",
            "discharge": "1",
            "va_help": "sí",
            "conviction": "no",
            "us_family": "sí",
            "petition": "no sé",
            "harmed": "ninguno",
            "fear": "no",
            "contact_how": "1",
            "summary": "sí",
            "first_name": "Lupita",
            "share": "sí",
        },
    )
    referral, document = stored(coalition)
    assert document["language"] == "es" and document["answered_by"] == "family"
    assert {"veteran", "va-benefits", "lawful-status-before"} <= set(document["tags"])
    assert value(document, "year_removed") == clock().year - 7
    assert value(document, "first_name") == "Lupita"
    routed_for(coalition, document, "veteran", "TX")
    assert referral.reference in replies[-2].text
    # Questions named the deported person, in Spanish, not the daughter.
    asked = [r.text for r in replies if r.question == "fear"]
    assert asked and "persona deportada" in asked[0]


def test_a_daca_era_case_in_english(coalition: Services, clock: Clock) -> None:
    conversation(
        coalition,
        clock,
        "daca-era",
        "hi",
        {
            "consent": "yes",
            "who": "me",
            "urgent_now": "3",
            "country": "Guatemala",
            "year_removed": "2016",
            "times_removed": "1",
            "removal_kind": "1",
            "lawyer": "no",
            "pending": "no",
            "state_lived": "California",
            "court_state": "California",
            "years_in_us": "16",
            "age_at_arrival": "6",
            "prior_status": "2",  # DACA
            "citizen_parent": "no",
            "military": "no",
            "conviction": "no",
            "us_family": "no",
            "petition": "no",
            "harmed": "4",
            "fear": "no",
            "contact_how": "1",
            "summary": "yes",
            "first_name": "skip",
            "share": "yes",
        },
    )
    _, document = stored(coalition)
    # Arrived in 2000 at 6: 18 on 15 June 2012 and in the U.S. until 2016.
    assert {"daca-era", "arrived-as-child", "lawful-status-before"} <= set(document["tags"])
    routed_for(coalition, document, "daca-era", "CA")


def test_a_vacated_conviction_in_portuguese(coalition: Services, clock: Clock) -> None:
    conversation(
        coalition,
        clock,
        "condenacao-anulada",
        "Olá",
        {
            "consent": "sim",
            "who": "eu mesmo",
            "urgent_now": "3",
            "country": "Brasil",
            "year_removed": "2018",
            "times_removed": "1",
            "removal_kind": "1",
            "lawyer": "sim",
            "pending": "não",
            "state_lived": "Nova Jersey",
            "court_state": "Nova York",
            "years_in_us": "12",
            "age_at_arrival": "22",
            "prior_status": "1",
            "military": "não",
            "conviction": "sim",
            "conviction_state": "Nova York",
            "conviction_reason": "sim",
            "plea_warning": "não",
            "conviction_status": "1",  # vacated
            "us_family": "sim",
            "petition": "não",
            "harmed": "4",
            "fear": "não",
            "contact_how": "3",  # WhatsApp
            "summary": "sim",
            "first_name": "pular",
            "share": "sim",
        },
    )
    _, document = stored(coalition)
    assert document["language"] == "pt_BR" and document["answered_by"] == "self"
    tags = set(document["tags"])
    assert {"conviction-relief", "conviction-caused-removal", "no-plea-warning"} <= tags
    assert value(document, "conviction_state") == "NY"
    routed_for(coalition, document, "conviction-relief", "NY", state_bound=True)
    partner = coalition.directory.get(document["partner"]["id"])
    assert partner is not None and "NY" in partner.states  # the conviction's state


def test_a_removal_while_absent_in_haitian_creole(coalition: Services, clock: Clock) -> None:
    conversation(
        coalition,
        clock,
        "absan",
        "Bonjou",
        {
            "consent": "wi",
            "who": "mwen se sè li",
            "urgent_now": "3",
            "country": "Ayiti",
            "year_removed": "2017",
            "times_removed": "1",
            "removal_kind": "2",  # a judge, in the person's absence
            "notice": "non",
            "custody_day": "non",
            "lawyer": "non",
            "pending": "non",
            "state_lived": "Florid",
            "court_state": "Florid",
            "years_in_us": "9",
            "age_at_arrival": "20",
            "prior_status": "3",  # TPS
            "military": "non",
            "conviction": "non",
            "us_family": "wi",
            "petition": "non",
            "harmed": "4",
            "fear": "wi",
            "contact_how": "1",
            "summary": "wi",
            "first_name": "pase",
            "share": "wi",
        },
    )
    _, document = stored(coalition)
    assert document["language"] == "ht" and document["answered_by"] == "family"
    tags = set(document["tags"])
    assert {"in-absentia", "notice-problem", "procedural-defect", "fear-of-harm"} <= tags
    assert document["urgent"] is True  # fear raises priority
    assert value(document, "state_lived") == "FL"
    routed_for(coalition, document, "procedural-defect", "FL")


def test_someone_inside_the_us_is_stopped_and_nothing_of_a_removal_is_kept(
    coalition: Services, clock: Clock
) -> None:
    replies = conversation(
        coalition,
        clock,
        "inside",
        "hi",
        {
            "consent": "yes",
            "who": "1",
            "urgent_now": "3",
            "country": "the States",
            "year_removed": "2015",
            "removal_kind": "1",
        },
    )
    assert "do not send more details in this chat" in replies[-1].text
    assert not any(r.question in {"year_removed", "removal_kind"} for r in replies)
    with coalition.sessions() as session:
        assert session.scalars(select(Referral)).all() == []
        contact = session.scalars(select(Contact).where(Contact.address_key == "inside")).one()
        kept = contacts.load_state(session, contact).answers
    assert set(kept) == {"consent", "who", "urgent_now"}


def test_a_detained_husband_in_spanish(coalition: Services, clock: Clock) -> None:
    replies = conversation(
        coalition,
        clock,
        "esposa",
        "Hola",
        {
            "consent": "sí",
            "who": "es mi esposo",
            "urgent_now": "2",  # detained or about to be deported
            "detained_state": "Arizona",
            "contact_how": "2",  # a phone call
            "voicemail": "no",
            "contact_when": "4",
            "summary_detained": "sí",
            "first_name": "Rosa",
            "share": "sí",
        },
    )
    asked = [r.question for r in replies if r.question]
    assert len(asked) <= 10
    _, document = stored(coalition)
    assert {"detained-now", "urgent"} <= set(document["tags"]) and document["urgent"]
    assert value(document, "voicemail") == "no"  # not safe to leave a message
    routed_for(coalition, document, "detained-now", "AZ", abroad=False, state_bound=True)
    partner = coalition.directory.get(document["partner"]["id"])
    assert partner is not None and "AZ" in partner.states
