"""One reminder about 23 hours after someone stops midway: never more, never after STOP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import Services
from bot.core.messages import Address, Inbound
from bot.storage.models import OutboxMessage

START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SMS = Address("sms", "+525555550123")


def text(services: Services, body: str, at: datetime, who: Address = SMS) -> None:
    services.conversations.handle(Inbound(who, body, at, f"SM{at.timestamp()}{body}"))


def reminders(services: Services) -> list[OutboxMessage]:
    with services.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("reminder:"))
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def test_someone_who_stops_midway_gets_one_reminder_23_hours_later(services: Services) -> None:
    text(services, "hi", START)
    text(services, "1", START + timedelta(minutes=2))
    (reminder,) = reminders(services)
    assert reminder.status == "pending" and reminder.kind == "sms"
    assert reminder.next_attempt_at == START + timedelta(minutes=2, hours=23)
    assert reminder.payload["text"].startswith("Your Homeward questions are waiting.")
    assert reminder.sequence_key is None  # it never holds back a reply


def test_each_answer_pushes_the_reminder_back(services: Services) -> None:
    text(services, "hi", START)
    text(services, "1", START + timedelta(hours=5))
    (reminder,) = reminders(services)
    assert reminder.next_attempt_at == START + timedelta(hours=28)


def test_no_reminder_after_stop(services: Services) -> None:
    text(services, "hi", START)
    text(services, "STOP", START + timedelta(minutes=1))
    (reminder,) = reminders(services)
    assert (reminder.status, reminder.last_error) == ("dead", "cancelled")


def test_a_sent_reminder_is_never_sent_again_in_the_same_run(services: Services) -> None:
    text(services, "hi", START)
    with services.sessions.begin() as session:
        row = session.scalars(select(OutboxMessage)).one()
        row.status = "sent"
    text(services, "1", START + timedelta(days=1, hours=1))
    text(services, "2", START + timedelta(days=1, hours=2))
    assert [r.status for r in reminders(services)] == ["sent"]


def test_the_terminal_and_the_simulator_get_no_reminder(services: Services) -> None:
    text(services, "hi", START, Address("web", "w1"))
    assert reminders(services) == []
