"""Outbox worker: sends outside the transaction, retries with backoff, gives up, loses nothing."""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.errors import ConfigError
from bot.delivery.worker import (
    DEFAULT_BACKOFF,
    PermanentFailure,
    RetryLater,
    Sender,
    Worker,
)
from bot.storage import heartbeats, outbox, referrals
from bot.storage.models import OutboxMessage, WorkerHeartbeat
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


def test_rows_another_worker_reclaimed_after_our_lease_ran_out_are_left_to_it(
    session_factory: Sessions, clock: FakeClock
) -> None:
    first, second = enqueue(session_factory, key="a"), enqueue(session_factory, key="b")
    taken: list[OutboxItem] = []
    sent: list[int] = []

    class SlowSender:
        kind = "webhook"

        def send(self, item: OutboxItem) -> None:
            sent.append(item.id)
            clock.advance(timedelta(minutes=20))  # far longer than the lease
            with session_factory.begin() as session:  # meanwhile another worker reclaims
                taken.extend(outbox.claim(session, clock(), 10, timedelta(minutes=2)))

    make_worker(session_factory, clock, SlowSender()).run_once()

    assert sent == [first]  # the second row is not ours any more: never sent by us
    assert [item.id for item in taken] == [first, second]
    for item_id in (first, second):  # the other worker's claims stand, ours did not win
        left = row(session_factory, item_id)
        assert (left.status, left.attempts) == ("in_flight", 2)


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


# -- A worker that dies, a value from outside, a loop that must go on -----------------------


class Killed(BaseException):
    """What SIGKILL does to a worker mid-send, as far as the outbox can tell: nothing after."""


def test_a_worker_killed_mid_send_gives_its_row_back_within_minutes(
    session_factory: Sessions, clock: FakeClock
) -> None:
    item_id = enqueue(session_factory)
    doomed = Worker(session_factory, {"webhook": scripted("webhook", Killed())}, clock)
    with pytest.raises(Killed):
        doomed.run_once()
    assert row(session_factory, item_id).status == "in_flight"

    clock.advance(timedelta(minutes=3))  # well before the fifteen minutes of old
    replacement = scripted("webhook", None)
    assert Worker(session_factory, {"webhook": replacement}, clock).run_once() == 1
    sent = row(session_factory, item_id)
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert [i.dedupe_key for i in replacement.sent] == ["referral-1"]


@pytest.mark.parametrize(
    "retry_after", [1e20, 1e308, float("inf"), float("nan"), -5.0, 0.0, 86400 * 365 * 1e6]
)
def test_any_retry_after_is_bounded_before_it_is_used(
    session_factory: Sessions, clock: FakeClock, retry_after: float
) -> None:
    item_id = enqueue(session_factory)
    hostile = RetryLater(retry_after=retry_after, code="http-429")
    assert make_worker(session_factory, clock, scripted("webhook", hostile)).run_once() == 1
    waiting = row(session_factory, item_id)
    assert (waiting.status, waiting.last_error) == ("failed", "http-429")
    assert START + DEFAULT_BACKOFF[0] <= waiting.next_attempt_at <= START + max(DEFAULT_BACKOFF)


class RecordingStop(threading.Event):
    """A stop event that records each wait of the loop and stops it after `waits` of them."""

    def __init__(self, waits: int) -> None:
        super().__init__()
        self.waited: list[float] = []
        self._left = waits

    def wait(self, timeout: float | None = None) -> bool:
        self.waited.append(float(timeout or 0))
        self._left -= 1
        if self._left <= 0:
            self.set()
        return self.is_set()


def with_referral(sessions: Sessions, referral_id: str, key: str) -> int:
    """An outbox row for a stored referral (so its failure reaches `on_referral_failed`)."""
    document = json.dumps({"id": referral_id})
    with sessions.begin() as session:
        referrals.create(
            session, referral_id, f"HW-{referral_id[:6]}", None, "p", {}, False, START
        )
        outbox.enqueue(
            session, "referral-webhook", key, {"document": document, "email": SECRET}, START
        )
        return session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
        ).one()


def test_an_error_handling_one_row_is_logged_and_the_loop_goes_on(
    session_factory: Sessions, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    broken = with_referral(session_factory, "a" * 32, "referral-webhook:p:a")
    fine = with_referral(session_factory, "b" * 32, "referral-webhook:p:b")

    def failover_bug(session: Session, referral_id: str, now: datetime) -> None:
        raise RuntimeError(f"cannot pass on {SECRET}")

    sender = scripted("referral-webhook", PermanentFailure("webhook-http-404"), None)
    worker = Worker(
        session_factory,
        {"referral-webhook": sender},
        clock,
        on_referral_failed=failover_bug,
    )
    stop = RecordingStop(waits=1)
    with caplog.at_level(logging.INFO, logger="bot"):
        worker.run_forever(stop, idle_seconds=0.01)  # returns: it did not die

    assert row(session_factory, fine).status == "sent"  # the next row went out
    assert row(session_factory, broken).status == "in_flight"  # retried when its lease ends
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("RuntimeError" in line and str(broken) in line for line in errors)
    assert SECRET not in caplog.text


def test_a_failing_database_is_retried_with_a_growing_short_back_off(
    session_factory: Sessions, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    class Down:
        """A session factory whose database does not answer."""

        def begin(self) -> Session:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError(SECRET))

        def __call__(self) -> Session:
            return self.begin()

    worker = Worker(Down(), {}, clock)  # type: ignore[arg-type]
    stop = RecordingStop(waits=6)
    with caplog.at_level(logging.INFO, logger="bot"):
        worker.run_forever(stop, idle_seconds=0.5)

    assert stop.waited == sorted(stop.waited)  # backs off ...
    assert stop.waited[0] >= 0.5 and stop.waited[-1] > stop.waited[0]
    assert max(stop.waited) <= 30  # ... but never for long
    assert "OperationalError" in caplog.text and SECRET not in caplog.text


# -- Heartbeats, leases ----------------------------------------------------------------------


def beats(sessions: Sessions) -> list[WorkerHeartbeat]:
    with sessions() as session:
        return list(session.scalars(select(WorkerHeartbeat)))


def test_a_worker_beats_while_it_runs_and_clears_its_beat_when_it_stops(
    session_factory: Sessions, clock: FakeClock
) -> None:
    seen: list[list[tuple[str, datetime]]] = []

    class Watching(RecordingStop):
        def wait(self, timeout: float | None = None) -> bool:
            seen.append([(b.worker_id, b.beat_at) for b in beats(session_factory)])
            clock.advance(timedelta(seconds=30))
            return super().wait(timeout)

    worker = make_worker(session_factory, clock)
    worker.run_forever(Watching(waits=3), idle_seconds=0.01)

    assert seen == [
        [(worker.worker_id, START)],
        [(worker.worker_id, START + timedelta(seconds=30))],
        [(worker.worker_id, START + timedelta(seconds=60))],
    ]
    assert beats(session_factory) == []  # a clean stop says so


def test_a_long_batch_keeps_its_lease_and_nobody_else_sends_it(
    session_factory: Sessions, clock: FakeClock
) -> None:
    ids = [enqueue(session_factory, key=f"k{n}") for n in range(4)]
    stolen: list[int] = []

    class Slow:
        kind = "webhook"

        def send(self, item: OutboxItem) -> None:
            clock.advance(timedelta(seconds=100))  # each send takes most of the lease
            with session_factory.begin() as session:  # another worker looks for work
                stolen.extend(i.id for i in outbox.claim(session, clock(), 10, timedelta(1)))

    Worker(session_factory, {"webhook": Slow()}, clock).run_once()

    assert stolen == []
    assert [row(session_factory, i).status for i in ids] == ["sent"] * 4


def test_a_clean_stop_mid_batch_gives_the_rest_back_at_once(
    session_factory: Sessions, clock: FakeClock
) -> None:
    first, second = enqueue(session_factory, key="a"), enqueue(session_factory, key="b")
    stop = threading.Event()

    class StopsAfterOne:
        kind = "webhook"

        def send(self, item: OutboxItem) -> None:
            stop.set()  # SIGTERM arrives during the first send

    Worker(session_factory, {"webhook": StopsAfterOne()}, clock).run_once(stop)

    assert row(session_factory, first).status == "sent"
    given_back = row(session_factory, second)
    assert (given_back.status, given_back.attempts, given_back.lease_until) == ("pending", 0, None)
    other = scripted("webhook", None)
    assert make_worker(session_factory, clock, other).run_once() == 1  # no lease to wait for


# -- A referral nobody can send ----------------------------------------------------------------


def test_a_referral_with_no_sender_is_passed_on_not_retried_forever(
    session_factory: Sessions, clock: FakeClock
) -> None:
    item_id = with_referral(session_factory, "c" * 32, "referral-email:p:c")
    passed: list[str] = []
    worker = Worker(
        session_factory,
        {},  # production without HOMEWARD_SMTP_URL: nothing sends referral emails
        clock,
        on_referral_failed=lambda session, referral_id, now: passed.append(referral_id),
    )
    assert worker.run_once() == 1
    dead = row(session_factory, item_id)
    assert (dead.status, dead.last_error) == ("dead", "no-sender")
    assert passed == ["c" * 32]


def test_a_starting_worker_forgets_the_beats_of_workers_killed_long_ago(
    session_factory: Sessions, clock: FakeClock
) -> None:
    with session_factory.begin() as session:
        day = timedelta(days=1)
        heartbeats.beat(session, "old:1:aa", START - 3 * day, START - 2 * day)
        heartbeats.beat(session, "recent:2:bb", START - day / 2, START - day / 3)
    worker = make_worker(session_factory, clock)
    worker.run_forever(RecordingStop(waits=1), idle_seconds=0.01)
    assert [b.worker_id for b in beats(session_factory)] == ["recent:2:bb"]
