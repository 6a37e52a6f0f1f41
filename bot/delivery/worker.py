"""The outbox dispatcher: claims due messages, hands each to its sender, records the outcome."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import re
import secrets
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.errors import ConfigError, HomewardError
from bot.delivery.chat import FAREWELL, MAX_LENGTH
from bot.storage import contacts, heartbeats, outbox, referrals
from bot.storage.outbox import OutboxItem

logger = logging.getLogger(__name__)

# Standard Webhooks' example schedule; attempt n waits DEFAULT_BACKOFF[n - 1] (last one repeats).
DEFAULT_BACKOFF: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
NO_SENDER = "no-sender"
ATTEMPTS_EXHAUSTED = "attempts-exhausted"
# How long a claimed row is ours. Short, so that the rows of a worker that was killed go back
# to the others within minutes; a worker that is still busy renews it before a send once a
# twentieth of it has gone by (so each send starts with 95% of it ahead, and the batch's
# rows are renewed at most every few seconds). A whole send, every step at its timeout, fits
# in 90% of it (bot/delivery/senders.py derives the timeouts from it).
DEFAULT_LEASE = timedelta(minutes=2)
RENEW_AFTER = 0.05
# How often a running worker writes its heartbeat, at most (one small write, not every loop).
HEARTBEAT_EVERY = timedelta(seconds=5)
# A worker killed without a clean stop leaves its heartbeat; the next one to start removes
# those older than this (a day: long after /healthz stopped counting them).
FORGET_BEATS_AFTER = timedelta(days=1)
# The longest wait between two loops while the database fails: short, so delivery resumes soon
# after it is back, yet without hammering a database that is struggling.
MAX_FAILURE_BACKOFF = 30.0
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:\-]")


# Called in the transaction that records the last failure of a referral's deliveries.
ReferralFailed = Callable[[Session, str, datetime], None]
# Referral deliveries: their referral row follows what happens to them.
REFERRAL_KINDS = frozenset({"referral-webhook", "referral-email"})
# Messages to a person: never sent to someone who has opted out.
CHAT_KINDS = frozenset(MAX_LENGTH)


class RetryLater(HomewardError):
    """The send failed for now; try again, not before `retry_after` seconds if given."""

    def __init__(self, retry_after: float | None = None, code: str = "retry-later") -> None:
        super().__init__(code)
        self.retry_after = retry_after
        self.code = code


class PermanentFailure(HomewardError):
    """The send can never succeed (rejected recipient, gone endpoint): the message is dead.

    `opted_out` says the person can no longer be reached at all (Twilio 21610, Telegram's
    "blocked by the user"): the contact is marked opted out with the message.
    """

    def __init__(self, code: str, *, opted_out: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.opted_out = opted_out


class Sender(Protocol):
    """Delivers one kind of outbox message; raises RetryLater or PermanentFailure on failure."""

    @property
    def kind(self) -> str: ...

    def send(self, item: OutboxItem) -> str | None:
        """Deliver the item; returns the provider's id for the message when it gives one."""
        ...


def safe_code(code: str) -> str:
    """An error code fit for the outbox and the logs: short, no free text."""
    return _UNSAFE.sub("_", code)[:100] or "error"


# A periodic pass over the database in one transaction, with the worker's clock (retention).
Housekeeping = Callable[[Session, datetime], None]


class Worker:
    """Dispatches outbox messages: each send happens outside any database transaction."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime],
        max_attempts: int = 12,
        backoff: Sequence[timedelta] = DEFAULT_BACKOFF,
        *,
        batch_size: int = 10,
        lease: timedelta = DEFAULT_LEASE,
        jitter: float = 0.2,
        no_sender_delay: timedelta = timedelta(minutes=10),
        rng: random.Random | None = None,
        on_referral_failed: ReferralFailed | None = None,
        worker_id: str | None = None,
        housekeeping: Housekeeping | None = None,
        housekeeping_every: timedelta = timedelta(hours=1),
    ) -> None:
        for kind, sender in senders.items():
            if sender.kind != kind:
                raise ConfigError(f"sender registered as {kind!r} says it sends {sender.kind!r}")
        if max_attempts < 1 or not backoff or batch_size < 1 or not 0 <= jitter < 1:
            raise ConfigError("worker needs max_attempts >= 1, a backoff, batch_size >= 1")
        if lease < timedelta(seconds=1):
            raise ConfigError("the worker's lease must be at least one second")
        self._sessions = session_factory
        self._senders = dict(senders)
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff = tuple(backoff)
        self._batch_size = batch_size
        # The lease must outlast one send (bounded by its sender's timeouts); it is renewed
        # for the rest of the batch before the sends that come later.
        self._lease = lease
        self._jitter = jitter
        self._no_sender_delay = no_sender_delay
        self._rng = rng or random.Random()
        # What to do when every intake of a referral gave up: pass it to the next-best partner
        # (bot/delivery/failover.py), in the transaction that records the last failure.
        self._on_referral_failed = on_referral_failed
        # host:pid:random, as the heartbeat table names workers: no personal data.
        self.worker_id = worker_id or new_worker_id()
        self._started_at: datetime | None = None
        self._beat_at: datetime | None = None
        # Retention (bot/storage/retention.py): one pass at start, then every
        # `housekeeping_every`, in its own transaction.
        self._housekeeping = housekeeping
        self._housekeeping_every = housekeeping_every
        self._housekept_at: datetime | None = None

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Claim one batch and try each message once; returns how many were claimed.

        When `stop` is set during the batch, the rows not yet tried are given back at once.
        """
        claimed_at = self._clock()
        with self._sessions.begin() as session:
            items = outbox.claim(session, claimed_at, self._batch_size, self._lease)
        held_since = claimed_at
        waiting = list(items)
        while waiting:
            if stop is not None and stop.is_set():
                self._give_back(waiting)
                break
            now = self._clock()
            if now - held_since > self._lease * RENEW_AFTER:
                # Still working: every send starts with (nearly) a whole lease ahead, for the
                # rest of the batch too. Rows claimed again by another worker drop out.
                waiting = self._renew(waiting, now)
                held_since = now
                continue
            item = waiting.pop(0)
            self._beat()
            self._handle(item)
        return len(items)

    def run_forever(self, stop: threading.Event, idle_seconds: float = 1.0) -> None:
        """Run batches until `stop` is set; sleep `idle_seconds` when there is nothing due.

        Never dies of an error: it is logged (its class, never its text) and the loop goes
        on, after a back-off that grows while the failures last (the database is down).
        """
        failures = 0
        try:
            while not stop.is_set():
                try:
                    self._beat()
                    self.housekeep()
                    claimed = self.run_once(stop)
                except Exception as exc:  # the loop must outlive any one failure
                    failures += 1
                    wait = min(max(idle_seconds, 0.1) * 2**failures, MAX_FAILURE_BACKOFF)
                    # Only the class name: a driver's message can hold a host or a value.
                    logger.error(
                        "outbox worker loop failed (%s); trying again in %.1f s",
                        type(exc).__name__,
                        wait,
                    )
                    stop.wait(wait)
                    continue
                failures = 0
                if claimed == 0:
                    stop.wait(idle_seconds)
        finally:
            self._stop_beating()

    def housekeep(self) -> bool:
        """Run the housekeeping pass if it is due; True when it ran."""
        now = self._clock()
        last = self._housekept_at
        if self._housekeeping is None or (
            last is not None and abs(now - last) < self._housekeeping_every
        ):
            return False
        with self._sessions.begin() as session:
            self._housekeeping(session, now)
        self._housekept_at = now
        return True

    def _handle(self, item: OutboxItem) -> None:
        """Dispatch one row; an error is logged and the row left to its lease (retried then)."""
        try:
            self._dispatch(item)
        except SQLAlchemyError:
            # The database failed under us: stop the batch, the loop backs off (the rows
            # left in flight come back when their lease ends).
            logger.error("outbox %d (%s): database error while handling it", item.id, item.kind)
            raise
        except Exception as exc:  # one broken row must not stop the others
            logger.error(
                "outbox %d (%s): %s while handling it; retried when its lease ends",
                item.id,
                item.kind,
                type(exc).__name__,
            )

    def _renew(self, waiting: list[OutboxItem], now: datetime) -> list[OutboxItem]:
        claims = [(item.id, item.attempts) for item in waiting]
        with self._sessions.begin() as session:
            kept = outbox.extend_lease(session, claims, now + self._lease)
        lost = [item.id for item in waiting if item.id not in kept]
        if lost:
            # Our lease ran out before we got to them, and another worker claimed them since.
            logger.warning("outbox lease ran out; %d row(s) left to another worker", len(lost))
        return [item for item in waiting if item.id in kept]

    def _give_back(self, waiting: list[OutboxItem]) -> None:
        claims = [(item.id, item.attempts) for item in waiting]
        with self._sessions.begin() as session:
            released = outbox.release(session, claims, self._clock())
        logger.info("outbox worker stopping: %d row(s) given back untried", released)

    def _beat(self) -> None:
        """Write the heartbeat, at most every HEARTBEAT_EVERY (the clock may be the test's)."""
        now = self._clock()
        if self._beat_at is not None and abs(now - self._beat_at) < HEARTBEAT_EVERY:
            return
        with self._sessions.begin() as session:
            if self._started_at is None:
                heartbeats.forget_before(session, now - FORGET_BEATS_AFTER)
            heartbeats.beat(session, self.worker_id, self._started_at or now, now)
        self._started_at = self._started_at or now
        self._beat_at = now

    def _stop_beating(self) -> None:
        if self._started_at is None:
            return
        try:
            with self._sessions.begin() as session:
                heartbeats.stop(session, self.worker_id)
        except SQLAlchemyError as exc:  # the beat goes stale instead: /healthz tells
            logger.warning("outbox worker could not clear its heartbeat (%s)", type(exc).__name__)
        self._started_at = self._beat_at = None

    def _dispatch(self, item: OutboxItem) -> None:
        if item.attempts > self._max_attempts:
            # Reclaimed after a crash with its attempts used up: do not send again.
            self._record_dead(item, ATTEMPTS_EXHAUSTED)
            return
        if (
            item.kind in CHAT_KINDS
            and item.contact_id is not None
            and item.payload.get("after_stop") is not True  # the one confirmation of STOP
        ):
            with self._sessions() as session:
                unreachable = contacts.is_opted_out(session, item.contact_id)
            if unreachable:
                # STOP, or a block reported while earlier parts were sent: send nothing more.
                self._record_dead(item, "contact-opted-out")
                return
        sender = self._senders.get(item.kind)
        if sender is None:
            self._record_no_sender(item)
            return
        try:
            provider_id = sender.send(item)
        except PermanentFailure as exc:
            gone = (
                getattr(exc, "partner_id", None)
                if getattr(exc, "disable_endpoint", False)
                else None
            )
            self._record_dead(item, safe_code(exc.code), opted_out=exc.opted_out, gone=gone)
        except RetryLater as exc:
            self._record_failure(item, safe_code(exc.code), exc.retry_after)
        except Exception as exc:  # a sender bug must not stop the other deliveries
            # Only the class name: exception text may quote addresses or payload.
            self._record_failure(item, safe_code(type(exc).__name__), None)
        else:
            with self._sessions.begin() as session:
                done = outbox.mark_sent(
                    session, item.id, self._clock(), attempt=item.attempts, provider_id=provider_id
                )
                if done:
                    _referral_status(session, item, referrals.DELIVERED, self._clock())
                if done and item.dedupe_key.startswith(FAREWELL):
                    outbox.erase(session, item.id)  # the person deleted their data
            logger.info("outbox %d (%s) sent on attempt %d", item.id, item.kind, item.attempts)

    def _record_failure(self, item: OutboxItem, code: str, retry_after: float | None) -> None:
        if item.attempts >= self._max_attempts:
            self._record_dead(item, code)
            return
        retry_at = self._clock() + self.delay(item.attempts, retry_after)
        with self._sessions.begin() as session:
            outbox.mark_retry(session, item.id, code, retry_at, attempt=item.attempts)
        logger.warning(
            "outbox %d (%s) attempt %d failed: %s; retry at %s",
            item.id,
            item.kind,
            item.attempts,
            code,
            retry_at.isoformat(),
        )

    def _record_dead(
        self, item: OutboxItem, code: str, *, opted_out: bool = False, gone: str | None = None
    ) -> None:
        with self._sessions.begin() as session:
            if gone is not None:
                # 410 Gone: the partner took the endpoint down; never call it again unasked.
                referrals.disable_webhook(session, gone, self._clock())
            if outbox.mark_dead(session, item.id, code, attempt=item.attempts):
                failed = _referral_status(session, item, referrals.FAILED, self._clock())
                if failed is not None and self._on_referral_failed is not None:
                    self._on_referral_failed(session, failed, self._clock())
            if opted_out and item.contact_id is not None:
                contacts.mark_opted_out(session, item.contact_id)
            if item.dedupe_key.startswith(FAREWELL):
                outbox.erase(session, item.id)  # unsent, but the address must not stay
        logger.error(
            "outbox %d (%s) dead after %d attempt(s): %s", item.id, item.kind, item.attempts, code
        )

    def _record_no_sender(self, item: OutboxItem) -> None:
        if item.kind in REFERRAL_KINDS:
            # Nothing here can deliver it (an email intake, no HOMEWARD_SMTP_URL): a person's
            # case must not wait for a setting. Dead, so that failover passes it on.
            self._record_dead(item, NO_SENDER)
            return
        # A configuration gap, not the message's fault: keep it, do not count the attempt.
        retry_at = self._clock() + self._no_sender_delay
        with self._sessions.begin() as session:
            outbox.mark_retry(
                session, item.id, NO_SENDER, retry_at, attempt=item.attempts, count_attempt=False
            )
        logger.error("outbox %d: no sender configured for kind %s", item.id, item.kind)

    def delay(self, attempt: int, retry_after: float | None = None) -> timedelta:
        """How long to wait after failed attempt number `attempt` (1-based), with jitter.

        A `retry_after` from the receiver is honoured (never retry sooner), capped at the
        longest step of the schedule so a hostile or broken endpoint cannot park a message.
        It comes from outside: bounded before any arithmetic (1e20 seconds would overflow a
        timedelta), and ignored unless it is a positive finite number.
        """
        base = self._backoff[min(max(attempt, 1), len(self._backoff)) - 1]
        factor = 1 + self._rng.uniform(-self._jitter, self._jitter)
        wait = base * factor
        longest = max(self._backoff)
        if retry_after is not None and math.isfinite(retry_after) and retry_after > 0:
            asked = min(retry_after, longest.total_seconds())
            wait = max(wait, timedelta(seconds=asked))
        return wait


def new_worker_id() -> str:
    """A name for one worker: `host:pid:random` (no personal data; unique across restarts)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def _referral_status(session: Session, item: OutboxItem, status: str, now: datetime) -> str | None:
    """A referral row follows its deliveries; returns the referral id when it just failed.

    Delivered once one intake took it; failed only when every intake of it gave up.
    """
    if item.kind not in REFERRAL_KINDS:
        return None
    try:
        referral_id = str(json.loads(str(item.payload["document"]))["id"])
    except (KeyError, ValueError, TypeError):
        logger.error("outbox %d: a referral payload without a readable id", item.id)
        return None
    if status == referrals.FAILED and (
        referrals.status_of(session, referral_id) != referrals.SENDING
        or outbox.still_trying(session, f"%:{referral_id}")
    ):
        return None  # delivered or passed on already, or the other intake is still trying
    referrals.set_status(session, referral_id, status, now)
    return referral_id if status == referrals.FAILED else None
