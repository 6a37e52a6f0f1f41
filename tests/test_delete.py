"""DELETE deletes: after one person's confirmed DELETE, nothing of theirs is left anywhere,
the partner that received their referral is asked to delete it, and the other person's data
is untouched. Every table is filled through real conversations first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.app import Services, build_services
from bot.delivery import referrals as referrals_out
from bot.delivery.worker import Worker
from bot.settings import Settings
from bot.storage import forget, outbox
from bot.storage.models import Base, OutboxMessage, Referral
from bot.storage.outbox import OutboxItem
from tests.conftest import Clock
from tests.people import Person, say, screen

EVERY_LEGAL_INTAKE = Path(__file__).parent / "partners" / "every_legal_intake.yaml"


@pytest.fixture
def coalition(settings: Settings) -> Iterator[Services]:
    configured = replace(
        settings, start_flow="screening", languages=None, partners_file=EVERY_LEGAL_INTAKE
    )
    services = build_services(configured)
    yield services
    services.database.dispose()


def everything(services: Services) -> str:
    """Every value of every mapped table, decrypted, as the application reads it."""
    with services.sessions() as session:
        return "\n".join(
            repr(row.__dict__)
            for mapper in Base.registry.mappers
            for row in session.scalars(select(mapper.class_))
        )


def raw(services: Services) -> str:
    """Every value of every table, as stored (ciphertext and fingerprints)."""
    with services.database.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
        return "\n".join(
            repr(tuple(row))
            for table in tables
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
        )


class Recorder:
    """A chat sender that keeps who each message went to (the worker's Sender seam)."""

    kind = "telegram"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, item: OutboxItem) -> str | None:
        self.sent.append(str(item.payload["address"]))
        return None


def test_every_table_is_known_to_forget() -> None:
    """A new table must say what forgetting a person does to it."""
    assert set(forget.TABLES) == set(Base.metadata.tables)


@pytest.mark.parametrize("who", ["sms", "telegram"])
def test_delete_leaves_nothing_of_the_person_and_tells_the_partner(
    coalition: Services, clock: Clock, who: str
) -> None:
    rosa = Person("sms", "+5215550001234", "Xochiquetzal")
    jean = Person("telegram", "987654321012", "Itzpapalotl")
    for person in (rosa, jean):
        screen(coalition, clock, person)
    leaving, staying = (rosa, jean) if who == "sms" else (jean, rosa)
    # The leaving person's referral was already sent: a worker took it and delivered it.
    with coalition.sessions.begin() as session:
        for item in outbox.claim(session, clock(), 100, timedelta(minutes=2)):
            if item.kind == "email":
                outbox.mark_sent(session, item.id, clock(), attempt=item.attempts)
    with coalition.sessions() as session:
        made = {r.id: r for r in session.scalars(select(Referral))}
    before = everything(coalition)
    # Both people are there to be found (message ids are only ever kept as fingerprints).
    for person in (leaving, staying):
        assert person.address in before and person.first_name in before

    say(coalition, clock, leaving, "BORRAR")
    say(coalition, clock, leaving, "sí")
    with coalition.sessions() as session:
        farewells = session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("farewell:%"))
        ).all()
    # On Telegram the confirmation waits in the outbox, in a row of nobody's; the worker
    # sends it and then erases it.
    assert len(farewells) == (1 if who == "telegram" else 0)
    assert all(f.contact_id is None for f in farewells)
    telegram = Recorder()
    Worker(coalition.sessions, {"telegram": telegram}, clock).run_once()
    if who == "telegram":
        assert telegram.sent[-1] == leaving.address  # the confirmation reached them

    after = everything(coalition)
    stored = raw(coalition)
    for value in leaving.values:
        assert value not in after and value not in stored
    for value in (staying.address, staying.first_name):
        assert value in after  # the other person is untouched
    with coalition.sessions() as session:
        kept = {r.id: r for r in session.scalars(select(Referral))}
        notices = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == referrals_out.DELETED_EMAIL)
        ).all()
    assert kept.keys() == made.keys()
    [gone] = [r for r in kept.values() if r.deleted_at is not None]
    assert gone.document is None and gone.routing is None and gone.contact_id is None
    assert (gone.reference, gone.partner_id) == (made[gone.id].reference, made[gone.id].partner_id)
    [notice] = notices
    assert notice.payload["partner_id"] == gone.partner_id
    assert json.loads(notice.payload["document"]) == {
        "type": "referral.deleted",
        "referral_id": gone.id,
        "reference": gone.reference,
        "deleted_at": clock().isoformat(),
    }


def test_a_referral_not_yet_sent_is_cancelled_and_nobody_is_told(
    coalition: Services, clock: Clock
) -> None:
    rosa = Person("sms", "+5215550001234", "Xochiquetzal")
    screen(coalition, clock, rosa)
    with coalition.sessions() as session:
        assert session.scalar(select(sa.func.count()).select_from(OutboxMessage)) > 0

    say(coalition, clock, rosa, "BORRAR")
    say(coalition, clock, rosa, "sí")

    with coalition.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
