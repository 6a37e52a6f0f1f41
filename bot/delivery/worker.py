"""The outbox dispatcher: claims due messages, hands each to its sender, records the outcome."""

from __future__ import annotations

import json
import logging
import random
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.errors import ConfigError, HomewardError
from bot.delivery.chat import FAREWELL, MAX_LENGTH
from bot.storage import contacts, outbox, referrals
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
        lease: timedelta = timedelta(minutes=15),
        jitter: float = 0.2,
        no_sender_delay: timedelta = timedelta(minutes=10),
        rng: random.Random | None = None,
        on_referral_failed: ReferralFailed | None = None,
    ) -> None:
        for kind, sender in senders.items():
            if sender.kind != kind:
                raise ConfigError(f"sender registered as {kind!r} says it sends {sender.kind!r}")
        if max_attempts < 1 or not backoff or batch_size < 1 or not 0 <= jitter < 1:
            raise ConfigError("worker needs max_attempts >= 1, a backoff, batch_size >= 1")
        self._sessions = session_factory
        self._senders = dict(senders)
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff = tuple(backoff)
        self._batch_size = batch_size
        # The lease must outlast a whole batch of sends, each bounded by its sender's timeout.
        self._lease = lease
        self._jitter = jitter
        self._no_sender_delay = no_sender_delay
        self._rng = rng or random.Random()
        # What to do when every intake of a referral gave up: pass it to the next-best partner
        # (bot/delivery/failover.py), in the transaction that records the last failure.
        self._on_referral_failed = on_referral_failed

    def run_once(self) -> int:
        """Claim one batch and try each message once; returns how many were claimed."""
        claimed_at = self._clock()
        with self._sessions.begin() as session:
            items = outbox.claim(session, claimed_at, self._batch_size, self._lease)
        lease_end = claimed_at + self._lease
        for item in items:
            if self._clock() >= lease_end:
                # Our lease ran out: another worker may own the rest of the batch now.
                logger.warning("outbox lease expired; leaving %d item(s)", len(items))
                break
            self._dispatch(item)
        return len(items)

    def run_forever(self, stop: threading.Event, idle_seconds: float = 1.0) -> None:
        """Run batches until `stop` is set; sleep `idle_seconds` when there is nothing due."""
        while not stop.is_set():
            try:
                claimed = self.run_once()
            except SQLAlchemyError as exc:
                # The database is down or busy: wait and try again rather than die.
                logger.error("outbox worker database error: %s", type(exc).__name__)
                claimed = 0
            if claimed == 0:
                stop.wait(idle_seconds)

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
        """
        base = self._backoff[min(attempt, len(self._backoff)) - 1]
        factor = 1 + self._rng.uniform(-self._jitter, self._jitter)
        wait = base * factor
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(timedelta(seconds=retry_after), max(self._backoff)))
        return wait


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
