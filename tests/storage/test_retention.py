"""Retention with a clock the test moves: what goes, when, and what stays."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.app import Services, build_services
from bot.channels.memory import MemoryChannel
from bot.cli import main
from bot.delivery.worker import Worker
from bot.settings import Settings
from bot.storage import outbox, referrals, retention
from bot.storage.models import Contact, InboundMessage, OutboxMessage, Referral
from tests.conftest import Clock
from tests.keys import TEST_KEY_ENV
from tests.people import Person, screen

EVERY_LEGAL_INTAKE = Path(__file__).parents[1] / "partners" / "every_legal_intake.yaml"
LIMITS = retention.Limits()  # 30 days unfinished, 90 days referrals, 7 days logs


@pytest.fixture
def coalition(settings: Settings) -> Iterator[Services]:
    configured = replace(
        settings, start_flow="screening", languages=None, partners_file=EVERY_LEGAL_INTAKE
    )
    services = build_services(configured)
    yield services
    services.database.dispose()


def count(services: Services, model: type[object]) -> int:
    with services.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def finished_rows(services: Services) -> int:
    """Outbox rows sent or given up (a reminder cancelled when the screening ended)."""
    with services.sessions() as session:
        query = select(func.count()).where(OutboxMessage.status.in_(("sent", "dead")))
        return int(session.scalar(query) or 0)


def purge(services: Services, clock: Clock, *, dry_run: bool = False) -> retention.Purged:
    with services.sessions.begin() as session:
        return retention.purge(session, clock(), LIMITS, dry_run=dry_run)


def test_an_unfinished_screening_is_forgotten_after_30_quiet_days(
    coalition: Services, clock: Clock
) -> None:
    halfway = Person("sms", "+5215550001111", "Citlali")
    done = Person("sms", "+5215550002222", "Tonatiuh")
    screen(coalition, clock, halfway, stop_at="country")
    screen(coalition, clock, done)  # a referral is on its way: kept

    clock.advance(timedelta(days=29))
    assert purge(coalition, clock).people == 0
    clock.advance(timedelta(days=2))
    assert purge(coalition, clock).people == 1

    with coalition.sessions() as session:
        [left] = session.scalars(select(Contact)).all()
        assert left.address == done.address


def test_a_referral_is_erased_90_days_after_delivery_and_its_person_with_it(
    coalition: Services, clock: Clock
) -> None:
    person = Person("sms", "+5215550003333", "Yaretzi")
    screen(coalition, clock, person)
    with coalition.sessions.begin() as session:
        [referral] = session.scalars(select(Referral)).all()
        referrals.set_status(session, referral.id, referrals.DELIVERED, clock())

    ids, finished = count(coalition, InboundMessage), finished_rows(coalition)
    clock.advance(timedelta(days=89))
    assert purge(coalition, clock) == retention.Purged(dedup_ids=ids, outbox_rows=finished)
    assert count(coalition, Contact) == 1  # quiet for 89 days, but the referral is kept
    clock.advance(timedelta(days=2))
    purged = purge(coalition, clock)

    assert purged == retention.Purged(people=1)  # its document went with the person
    assert count(coalition, Contact) == 0
    with coalition.sessions() as session:
        [kept] = session.scalars(select(Referral)).all()
    assert kept.document is None and kept.contact_id is None
    assert kept.status == referrals.DELIVERED  # the figures keep what happened


def test_dedup_ids_and_sent_messages_go_after_7_days_and_nothing_pending(
    coalition: Services, clock: Clock
) -> None:
    screen(coalition, clock, Person("sms", "+5215550004444", "Nayeli"))
    with coalition.sessions.begin() as session:
        [item, *_] = outbox.claim(session, clock(), 1, timedelta(minutes=2))
        outbox.mark_sent(session, item.id, clock(), attempt=item.attempts)
    finished = finished_rows(coalition)
    pending = count(coalition, OutboxMessage) - finished
    ids = count(coalition, InboundMessage)

    clock.advance(timedelta(days=8))
    would = purge(coalition, clock, dry_run=True)
    assert count(coalition, InboundMessage) == ids  # a dry run changes nothing
    did = purge(coalition, clock)

    assert would == did == retention.Purged(dedup_ids=ids, outbox_rows=finished)
    assert finished >= 1
    assert count(coalition, InboundMessage) == 0
    assert count(coalition, OutboxMessage) == pending


def test_the_consent_text_states_the_configured_limits(settings: Settings, clock: Clock) -> None:
    configured = replace(
        settings,
        start_flow="screening",
        languages=None,
        partners_file=EVERY_LEGAL_INTAKE,
        retain_unfinished_days=14,
        retain_referral_days=60,
    )
    services = build_services(configured)
    try:
        replies = MemoryChannel(services.conversations.handle, "+5215550005555", clock).send("hi")
    finally:
        services.database.dispose()
    said = " ".join(replies)
    assert "after 14 days" in said and "60 days" in said
    assert "30 days" not in said and "90 days" not in said


def test_purge_command_dry_run_says_what_it_would_erase(
    coalition: Services, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", coalition.settings.database_url)
    monkeypatch.setenv("HOMEWARD_PARTNERS_FILE", str(EVERY_LEGAL_INTAKE))
    monkeypatch.setenv("HOMEWARD_ENV", "development")  # its emails go to the development inbox
    monkeypatch.setenv("HOMEWARD_RETAIN_UNFINISHED_DAYS", "1")
    monkeypatch.setenv("HOMEWARD_RETAIN_LOG_DAYS", "1")
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)
    screen(coalition, clock, Person("sms", "+5215550006666", "Ameyalli"), stop_at="country")
    ids = count(coalition, InboundMessage)
    # The conversation happened in 2026-11 on the test clock: today is past every limit.
    result = CliRunner().invoke(main, ["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Would erase: 1 people, 0 referral documents, {ids} dedup")
    assert "unfinished 1 days" in result.output and "logs 1 days" in result.output
    assert count(coalition, Contact) == 1


def test_the_worker_purges_once_an_hour_with_its_own_clock(
    coalition: Services, clock: Clock
) -> None:
    passes: list[object] = []

    def housekeeping(session: object, now: object) -> None:
        passes.append(now)
        retention.housekeeping(session, now, limits=LIMITS)  # type: ignore[arg-type]

    worker = Worker(coalition.sessions, {}, clock, housekeeping=housekeeping)
    screen(coalition, clock, Person("sms", "+5215550007777", "Izel"), stop_at="country")

    clock.advance(timedelta(days=31))
    assert worker.housekeep() and count(coalition, Contact) == 0
    clock.advance(timedelta(minutes=59))
    assert not worker.housekeep()
    clock.advance(timedelta(minutes=2))
    assert worker.housekeep()
    assert len(passes) == 2
