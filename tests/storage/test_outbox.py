"""Outbox: idempotent enqueue, exclusive claims under a lease, and the status transitions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage import outbox
from bot.storage.models import OutboxMessage

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=1)

Sessions = sessionmaker[Session]


def enqueue_many(sessions: Sessions, n: int, at: datetime = NOW) -> list[int]:
    with sessions.begin() as session:
        for i in range(n):
            outbox.enqueue(session, "webhook", f"referral-{i}", {"n": i}, at)
        return list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))


def claim(sessions: Sessions, at: datetime, limit: int = 10) -> list[outbox.OutboxItem]:
    with sessions.begin() as session:
        return outbox.claim(session, at, limit, LEASE)


def row(sessions: Sessions, item_id: int) -> OutboxMessage:
    with sessions() as session:
        return session.get_one(OutboxMessage, item_id)


def test_enqueue_is_idempotent_on_the_dedupe_key(session_factory: Sessions) -> None:
    with session_factory.begin() as session:
        assert outbox.enqueue(session, "email", "ref-1", {"to": "partner", "é": "ü"}, NOW)
        assert not outbox.enqueue(session, "email", "ref-1", {"other": 1}, NOW)
    with session_factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    assert [(r.kind, r.payload, r.status, r.attempts) for r in rows] == [
        ("email", {"to": "partner", "é": "ü"}, "pending", 0)
    ]
    assert rows[0].next_attempt_at == NOW


def test_enqueue_refuses_oversized_keys(session_factory: Sessions) -> None:
    with session_factory() as session, pytest.raises(ValueError, match="dedupe_key"):
        outbox.enqueue(session, "email", "k" * 201, {}, NOW)


def test_claim_takes_due_rows_oldest_first_up_to_the_limit(session_factory: Sessions) -> None:
    ids = enqueue_many(session_factory, 3)
    with session_factory.begin() as session:
        outbox.enqueue(session, "webhook", "later", {}, NOW + timedelta(hours=1))

    first = claim(session_factory, NOW, limit=2)
    assert [(i.id, i.kind, i.dedupe_key, i.payload, i.attempts) for i in first] == [
        (ids[0], "webhook", "referral-0", {"n": 0}, 1),
        (ids[1], "webhook", "referral-1", {"n": 1}, 1),
    ]
    assert [i.id for i in claim(session_factory, NOW)] == [ids[2]]
    assert claim(session_factory, NOW) == []  # all in flight; "later" is not due
    claimed = row(session_factory, ids[0])
    assert (claimed.status, claimed.lease_until) == ("in_flight", NOW + LEASE)


def test_an_expired_lease_is_reclaimed(session_factory: Sessions) -> None:
    [item_id] = enqueue_many(session_factory, 1)
    assert [i.attempts for i in claim(session_factory, NOW)] == [1]

    assert claim(session_factory, NOW + LEASE - timedelta(seconds=1)) == []
    again = claim(session_factory, NOW + LEASE)
    assert [(i.id, i.attempts) for i in again] == [(item_id, 2)]


def test_a_stale_claimer_cannot_overwrite_the_new_claim(session_factory: Sessions) -> None:
    [item_id] = enqueue_many(session_factory, 1)
    claim(session_factory, NOW)
    claim(session_factory, NOW + LEASE)  # attempt 2 after the first worker's lease ran out
    with session_factory.begin() as session:
        assert not outbox.mark_sent(session, item_id, NOW, attempt=1)
        assert outbox.mark_sent(session, item_id, NOW + LEASE, attempt=2)


def test_sent_rows_are_done(session_factory: Sessions) -> None:
    [item_id] = enqueue_many(session_factory, 1)
    claim(session_factory, NOW)
    with session_factory.begin() as session:
        assert outbox.mark_sent(session, item_id, NOW + timedelta(seconds=2))
        assert not outbox.mark_sent(session, item_id, NOW)  # not in flight any more
    sent = row(session_factory, item_id)
    assert (sent.status, sent.sent_at, sent.lease_until) == (
        "sent",
        NOW + timedelta(seconds=2),
        None,
    )
    assert claim(session_factory, NOW + timedelta(days=30)) == []


def test_a_retry_waits_until_its_time(session_factory: Sessions) -> None:
    [item_id] = enqueue_many(session_factory, 1)
    claim(session_factory, NOW)
    retry_at = NOW + timedelta(minutes=5)
    with session_factory.begin() as session:
        assert outbox.mark_retry(session, item_id, "http-503", retry_at)
    failed = row(session_factory, item_id)
    assert (failed.status, failed.last_error, failed.next_attempt_at, failed.attempts) == (
        "failed",
        "http-503",
        retry_at,
        1,
    )
    assert claim(session_factory, retry_at - timedelta(seconds=1)) == []
    assert [i.attempts for i in claim(session_factory, retry_at)] == [2]


def test_a_retry_can_give_the_attempt_back(session_factory: Sessions) -> None:
    [item_id] = enqueue_many(session_factory, 1)
    claim(session_factory, NOW)
    with session_factory.begin() as session:
        outbox.mark_retry(session, item_id, "no-sender", NOW, count_attempt=False)
    assert row(session_factory, item_id).attempts == 0


def test_dead_rows_are_never_claimed_again(session_factory: Sessions) -> None:
    [item_id] = enqueue_many(session_factory, 1)
    claim(session_factory, NOW)
    with session_factory.begin() as session:
        assert outbox.mark_dead(session, item_id, "http-410")
    dead = row(session_factory, item_id)
    assert (dead.status, dead.last_error, dead.lease_until) == ("dead", "http-410", None)
    assert claim(session_factory, NOW + timedelta(days=365)) == []


def test_error_codes_cannot_carry_free_text(session_factory: Sessions) -> None:
    [item_id] = enqueue_many(session_factory, 1)
    claim(session_factory, NOW)
    with session_factory() as session, pytest.raises(ValueError, match="error code"):
        outbox.mark_retry(session, item_id, "550 no such user maria@example.org", NOW)


def test_counts_lists_every_status(session_factory: Sessions) -> None:
    ids = enqueue_many(session_factory, 4)
    claim(session_factory, NOW, limit=3)
    with session_factory.begin() as session:
        outbox.mark_sent(session, ids[0], NOW)
        outbox.mark_dead(session, ids[1], "http-410")
        assert outbox.counts(session) == {
            "pending": 1,
            "in_flight": 1,
            "sent": 1,
            "failed": 0,
            "dead": 1,
        }


def test_two_open_claims_never_share_a_row(engine: Engine, session_factory: Sessions) -> None:
    """PostgreSQL: the second claimer skips the first one's locked rows instead of waiting.

    SQLite: the second claimer cannot start until the first commits, then takes the rest.
    """
    ids = enqueue_many(session_factory, 4)
    second: list[list[int]] = []

    def second_worker() -> None:
        with session_factory.begin() as session:
            second.append([i.id for i in outbox.claim(session, NOW, 2, LEASE)])

    postgres = engine.dialect.name == "postgresql"
    with session_factory.begin() as session:
        first = [i.id for i in outbox.claim(session, NOW, 2, LEASE)]
        thread = threading.Thread(target=second_worker)
        thread.start()
        thread.join(timeout=10 if postgres else 0.5)
        # PostgreSQL finished while our transaction is still open; SQLite must still wait.
        assert thread.is_alive() is not postgres
    thread.join(timeout=30)
    assert first == ids[:2]
    assert second == [ids[2:]]


def test_concurrent_workers_claim_each_row_exactly_once(session_factory: Sessions) -> None:
    ids = enqueue_many(session_factory, 40)
    claimed: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        while True:
            batch = claim(session_factory, NOW, limit=3)
            if not batch:
                return
            with lock:
                claimed.extend(i.id for i in batch)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == ids
