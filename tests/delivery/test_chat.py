"""Replies through the outbox: parts in order, each sent once, a later part waits its turn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.core.messages import Address, Choice, Inbound, Outbound
from bot.delivery.chat import outbound_of, payloads, split_text
from bot.storage import outbox
from bot.storage.models import OutboxMessage

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("short", 10, ["short"]),
        ("one two three four", 9, ["one two", "three", "four"]),
        ("para one.\n\npara two is here", 20, ["para one.", "para two is here"]),
        ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
    ],
)
def test_split_text_cuts_at_paragraphs_and_spaces(text: str, limit: int, parts: list[str]) -> None:
    assert split_text(text, limit) == parts
    assert all(len(part) <= limit for part in split_text(text, limit))


def test_a_long_reply_becomes_parts_with_the_choices_on_the_last() -> None:
    reply = Outbound("word " * 1000, (Choice("a", "Apple"),), "fruit")
    found = payloads(Address("telegram", "42"), [reply])
    assert len(found) == 2 and all(len(p["text"]) <= 4096 for p in found)
    assert found[0]["choices"] == [] and found[1]["choices"] == [["a", "Apple"]]
    assert outbound_of(found[1]) == Outbound(found[1]["text"], (Choice("a", "Apple"),), "fruit")


def queued(services: Services) -> list[OutboxMessage]:
    with services.sessions() as session:
        replies = select(OutboxMessage).where(~OutboxMessage.dedupe_key.startswith("reminder:"))
        return list(session.scalars(replies.order_by(OutboxMessage.id)))


def test_queue_puts_the_replies_of_a_turn_in_the_outbox_once(services: Services) -> None:
    hello = Inbound(Address("telegram", "42"), "hi", NOW, "update-1")
    assert services.conversations.queue(hello) == ()
    rows = queued(services)
    assert [row.kind for row in rows] == ["telegram", "telegram"]
    assert rows[0].payload["text"].startswith("Welcome to Homeward")
    assert rows[1].payload["question"] == "who"
    assert len({row.sequence_key for row in rows}) == 1
    services.conversations.queue(hello)  # the same update delivered again
    assert len(queued(services)) == 2


def test_a_later_part_waits_until_the_earlier_one_is_sent(services: Services) -> None:
    services.conversations.queue(Inbound(Address("telegram", "42"), "hi", NOW, "update-1"))
    first, second = queued(services)
    with services.sessions.begin() as session:
        claimed = outbox.claim(session, NOW, 10, LEASE)
    assert [item.id for item in claimed] == [first.id]
    with services.sessions.begin() as session:
        outbox.mark_retry(session, first.id, "telegram-429", NOW + timedelta(seconds=30))
    with services.sessions.begin() as session:
        assert outbox.claim(session, NOW + timedelta(seconds=10), 10, LEASE) == []
    later = NOW + timedelta(seconds=31)
    with services.sessions.begin() as session:
        assert [i.id for i in outbox.claim(session, later, 10, LEASE)] == [first.id]
        outbox.mark_sent(session, first.id, later)
    with services.sessions.begin() as session:
        assert [i.id for i in outbox.claim(session, later, 10, LEASE)] == [second.id]


def test_a_dead_part_does_not_hold_the_rest_forever(services: Services) -> None:
    services.conversations.queue(Inbound(Address("telegram", "42"), "hi", NOW, "update-1"))
    first, second = queued(services)
    with services.sessions.begin() as session:
        outbox.claim(session, NOW, 10, LEASE)
        outbox.mark_dead(session, first.id, "telegram-400")
    with services.sessions.begin() as session:
        assert [i.id for i in outbox.claim(session, NOW, 10, LEASE)] == [second.id]


def test_sequences_of_different_people_do_not_wait_for_each_other(services: Services) -> None:
    for person in ("41", "42"):
        services.conversations.queue(Inbound(Address("telegram", person), "hi", NOW, person))
    with services.sessions.begin() as session:
        claimed = outbox.claim(session, NOW, 10, LEASE)
    assert sorted(item.payload["address"] for item in claimed) == ["41", "42"]


class CountingSender:
    kind = "telegram"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, item: outbox.OutboxItem) -> str | None:
        self.sent.append(str(item.payload["text"]))
        return None


def test_nothing_more_is_sent_to_someone_who_opted_out(services: Services) -> None:
    from bot.delivery.worker import Worker
    from bot.storage import contacts

    services.conversations.queue(Inbound(Address("telegram", "42"), "hi", NOW, "update-1"))
    first, _ = queued(services)
    sender = CountingSender()
    worker = Worker(services.sessions, {"telegram": sender}, lambda: NOW)
    assert worker.run_once() == 1 and len(sender.sent) == 1
    with services.sessions.begin() as session:
        assert first.contact_id is not None
        contacts.mark_opted_out(session, first.contact_id)
    worker.run_once()
    assert len(sender.sent) == 1
    rows = queued(services)
    assert (rows[1].status, rows[1].last_error) == ("dead", "contact-opted-out")
