"""Outbox worker: sends outside the transaction, retries with backoff, gives up, loses nothing."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.errors import ConfigError
from bot.delivery.worker import (
    DEFAULT_BACKOFF,
    PermanentFailure,
    RetryLater,
    Sender,
    Worker,
)
from bot.storage import outbox
from bot.storage.models import OutboxMessage
from bot.storage.outbox import OutboxItem

START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SECRET = "maria.lopez@example.org"

Sessions = sessionmaker[Session]


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class ScriptedSender:
    """Plays back outcomes: an exception to raise, or None for success."""

    kind: str
    outcomes: Iterator[BaseException | None]
    sent: list[OutboxItem] = field(default_factory=list)
    on_send: threading.Event | None = None

    def send(self, item: OutboxItem) -> None:
        self.sent.append(item)
        if self.on_send is not None:
            self.on_send.set()
        outcome = next(self.outcomes, None)
        if outcome is not None:
            raise outcome


def scripted(kind: str, *outcomes: BaseException | None) -> ScriptedSender:
    return ScriptedSender(kind, iter(outcomes))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_worker(
    sessions: Sessions, clock: FakeClock, *senders: Sender, max_attempts: int = 12
) -> Worker:
    # No jitter, so the schedule is exact and the assertions can be too.
    return Worker(
        sessions,
        {sender.kind: sender for sender in senders},
        clock,
        max_attempts=max_attempts,
        jitter=0.0,
        rng=random.Random(7),
    )


def enqueue(sessions: Sessions, kind: str = "webhook", key: str = "referral-1") -> int:
    with sessions.begin() as session:
        outbox.enqueue(session, kind, key, {"email": SECRET}, START)
        return session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
        ).one()


def row(sessions: Sessions, item_id: int) -> OutboxMessage:
    with sessions() as session:
        return session.get_one(OutboxMessage, item_id)


def test_a_failed_send_is_retried_after_the_backoff_and_then_sent(
    session_factory: Sessions, clock: FakeClock
) -> None:
    item_id = enqueue(session_factory)
    sender = scripted("webhook", RetryLater(code="http-503"), None)
    worker = make_worker(session_factory, clock, sender)

    assert worker.run_once() == 1
    failed = row(session_factory, item_id)
    assert (failed.status, failed.last_error, failed.attempts) == ("failed", "http-503", 1)
    assert failed.next_attempt_at == START + DEFAULT_BACKOFF[0]

    assert worker.run_once() == 0  # not due yet
    clock.advance(DEFAULT_BACKOFF[0])
    assert worker.run_once() == 1

    sent = row(session_factory, item_id)
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 2, clock.now)
    assert [(i.id, i.dedupe_key, i.attempts) for i in sender.sent] == [
        (item_id, "referral-1", 1),
        (item_id, "referral-1", 2),
    ]
    assert sender.sent[0].payload == {"email": SECRET}


def test_retry_after_from_the_receiver_is_honoured(
    session_factory: Sessions, clock: FakeClock
) -> None:
    item_id = enqueue(session_factory)
    worker = make_worker(session_factory, clock, scripted("webhook", RetryLater(120, "http-429")))
    worker.run_once()
    assert row(session_factory, item_id).next_attempt_at == START + timedelta(seconds=120)


def test_a_huge_retry_after_is_capped_at_the_longest_backoff(
    session_factory: Sessions, clock: FakeClock
) -> None:
    item_id = enqueue(session_factory)
    forever = RetryLater(retry_after=86400 * 365, code="http-429")
    make_worker(session_factory, clock, scripted("webhook", forever)).run_once()
    assert row(session_factory, item_id).next_attempt_at == START + max(DEFAULT_BACKOFF)


def test_a_permanent_failure_is_dead_at_once(session_factory: Sessions, clock: FakeClock) -> None:
    item_id = enqueue(session_factory)
    make_worker(
        session_factory, clock, scripted("webhook", PermanentFailure("http-410"))
    ).run_once()
    dead = row(session_factory, item_id)
    assert (dead.status, dead.last_error, dead.attempts) == ("dead", "http-410", 1)


def test_after_max_attempts_the_message_is_dead(
    session_factory: Sessions, clock: FakeClock
) -> None:
    item_id = enqueue(session_factory)
    sender = ScriptedSender("webhook", iter(lambda: RetryLater(code="timeout"), None))
    worker = make_worker(session_factory, clock, sender, max_attempts=3)
    for _ in range(5):
        worker.run_once()
        clock.advance(timedelta(days=2))
    dead = row(session_factory, item_id)
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 3, "timeout")
    assert len(sender.sent) == 3


def test_backoff_grows_with_each_attempt(session_factory: Sessions, clock: FakeClock) -> None:
    item_id = enqueue(session_factory)
    sender = ScriptedSender("webhook", iter(lambda: RetryLater(code="http-502"), None))
    worker = make_worker(session_factory, clock, sender)
    waits = []
    for _ in range(4):
        worker.run_once()
        due = row(session_factory, item_id).next_attempt_at
        waits.append(due - clock.now)
        clock.now = due
    assert waits == list(DEFAULT_BACKOFF[:4])


def test_an_unexpected_sender_error_is_retried_and_logged_without_its_text(
    session_factory: Sessions, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    item_id = enqueue(session_factory)
    worker = make_worker(session_factory, clock, scripted("webhook", ValueError(SECRET)))
    with caplog.at_level(logging.DEBUG, logger="bot"):
        worker.run_once()
    failed = row(session_factory, item_id)
    assert (failed.status, failed.last_error) == ("failed", "ValueError")
    assert "ValueError" in caplog.text
    assert SECRET not in caplog.text


def test_unsafe_error_codes_are_cleaned(session_factory: Sessions, clock: FakeClock) -> None:
    item_id = enqueue(session_factory)
    sloppy = RetryLater(code=f"550 rejected {SECRET}")
    make_worker(session_factory, clock, scripted("webhook", sloppy)).run_once()
    assert " " not in (row(session_factory, item_id).last_error or " ")


def test_a_kind_without_sender_waits_for_one_and_is_not_lost(
    session_factory: Sessions, clock: FakeClock
) -> None:
    item_id = enqueue(session_factory, kind="email")
    for _ in range(20):  # far more than max_attempts
        make_worker(session_factory, clock, scripted("webhook"), max_attempts=3).run_once()
        clock.advance(timedelta(hours=1))
    waiting = row(session_factory, item_id)
    assert (waiting.status, waiting.last_error, waiting.attempts) == ("failed", "no-sender", 0)

    email = scripted("email", None)
    make_worker(session_factory, clock, email).run_once()
    assert row(session_factory, item_id).status == "sent"
    assert [i.attempts for i in email.sent] == [1]


def test_a_row_reclaimed_with_its_attempts_used_up_is_not_sent_again(
    session_factory: Sessions, clock: FakeClock
) -> None:
    item_id = enqueue(session_factory)
    for _ in range(2):  # two workers died mid-send
        with session_factory.begin() as session:
            outbox.claim(session, clock.now, 10, timedelta(minutes=1))
        clock.advance(timedelta(minutes=2))
    sender = scripted("webhook", None)
    make_worker(session_factory, clock, sender, max_attempts=2).run_once()
    dead = row(session_factory, item_id)
    assert (dead.status, dead.last_error) == ("dead", "attempts-exhausted")
    assert sender.sent == []


def test_a_batch_stops_when_the_lease_runs_out(
    session_factory: Sessions, clock: FakeClock
) -> None:
    first, second = enqueue(session_factory, key="a"), enqueue(session_factory, key="b")

    class SlowSender:
        kind = "webhook"

        def send(self, item: OutboxItem) -> None:
            clock.advance(timedelta(minutes=20))  # longer than the 15-minute lease

    make_worker(session_factory, clock, SlowSender()).run_once()
    assert row(session_factory, first).status == "sent"
    assert row(session_factory, second).status == "in_flight"  # left for a reclaim


def test_run_forever_stops_when_asked(session_factory: Sessions, clock: FakeClock) -> None:
    item_id = enqueue(session_factory)
    sent = threading.Event()
    sender = ScriptedSender("webhook", iter(()), on_send=sent)
    worker = make_worker(session_factory, clock, sender)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop, 0.01))
    thread.start()
    try:
        assert sent.wait(timeout=10)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert row(session_factory, item_id).status == "sent"


def test_jitter_stays_within_its_bounds(session_factory: Sessions, clock: FakeClock) -> None:
    worker = Worker(session_factory, {}, clock, jitter=0.2, rng=random.Random(1))
    waits = {worker.delay(3) for _ in range(200)}
    base = DEFAULT_BACKOFF[2]
    assert all(base * 0.8 <= wait <= base * 1.2 for wait in waits)
    assert len(waits) > 100  # actually jittered


def test_a_sender_under_the_wrong_kind_is_a_config_error(
    session_factory: Sessions, clock: FakeClock
) -> None:
    with pytest.raises(ConfigError):
        Worker(session_factory, {"email": scripted("webhook")}, clock)


def test_the_default_schedule_keeps_trying_for_more_than_three_days() -> None:
    import random
    from datetime import timedelta as span

    from bot.delivery.worker import Worker as RealWorker

    class Never(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return a  # the shortest waits jitter allows

    worker = RealWorker(None, {}, lambda: None, rng=Never())  # type: ignore[arg-type]
    waits = sum((worker.delay(attempt) for attempt in range(1, 12)), span())
    assert waits > span(days=3)
