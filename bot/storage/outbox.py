"""Transactional outbox: enqueue with the decision, claim under a lease, record the outcome."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot.storage.database import insert_ignoring_conflict
from bot.storage.models import OUTBOX_STATUSES, OutboxMessage

PENDING = "pending"
IN_FLIGHT = "in_flight"
SENT = "sent"
FAILED = "failed"
DEAD = "dead"

# An error code names a class of failure ("http-503", "smtp-451", "TimeoutError"); the pattern
# keeps free text, and with it personal data, out of the table.
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.:\-]{1,100}")


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed outbox row. `attempts` counts this attempt (1 on the first try)."""

    id: int
    kind: str
    dedupe_key: str
    payload: Mapping[str, Any]
    attempts: int
    contact_id: int | None = None

    def __repr__(self) -> str:
        # The payload may carry personal data: never in a repr.
        return f"OutboxItem(id={self.id}, kind={self.kind!r}, attempts={self.attempts})"


def enqueue(
    session: Session,
    kind: str,
    dedupe_key: str,
    payload: Mapping[str, Any],
    now: datetime,
    contact_id: int | None = None,
    sequence_key: str | None = None,
    due: datetime | None = None,
) -> bool:
    """Add a message to send once the current transaction commits; due at `due` (or `now`).

    Idempotent: False (and nothing changes) when `dedupe_key` was enqueued before. Rows with
    the same `sequence_key` are sent one after the other in the order they were enqueued.
    """
    if not 0 < len(kind) <= 32 or not 0 < len(dedupe_key) <= 200:
        raise ValueError("outbox kind must be 1-32 and dedupe_key 1-200 characters")
    if sequence_key is not None and not 0 < len(sequence_key) <= 100:
        raise ValueError("outbox sequence_key must be 1-100 characters")
    return insert_ignoring_conflict(
        session,
        OutboxMessage,
        ("dedupe_key",),
        {
            "kind": kind,
            "dedupe_key": dedupe_key,
            "payload": dict(payload),
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": due or now,
            "created_at": now,
            "contact_id": contact_id,
            "sequence_key": sequence_key,
        },
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    due = and_(OutboxMessage.status.in_((PENDING, FAILED)), OutboxMessage.next_attempt_at <= now)
    # A worker that died mid-send leaves its rows in flight; they come back when the lease ends.
    expired = and_(OutboxMessage.status == IN_FLIGHT, OutboxMessage.lease_until <= now)
    # In a sequence, a row waits until every earlier row is sent or dead: the parts of a
    # reply arrive in order, even with several workers and retries.
    earlier = aliased(OutboxMessage)
    waiting = (
        select(earlier.id)
        .where(
            earlier.sequence_key == OutboxMessage.sequence_key,
            earlier.id < OutboxMessage.id,
            earlier.status.in_((PENDING, IN_FLIGHT, FAILED)),
        )
        .exists()
    )
    in_turn = or_(OutboxMessage.sequence_key.is_(None), ~waiting)
    return and_(or_(due, expired), in_turn)


def claim(session: Session, now: datetime, limit: int, lease: timedelta) -> list[OutboxItem]:
    """Take up to `limit` due rows for this worker until `now + lease`, oldest due first.

    PostgreSQL: FOR UPDATE SKIP LOCKED lets many workers claim at once without sharing a row.
    SQLite drops that clause; its single writer (BEGIN IMMEDIATE) serializes claims instead.
    Each claim counts as an attempt, so a row that keeps killing workers ends up dead.
    Commit right after claiming, before sending.
    """
    if limit < 1:
        return []
    # Two statements on purpose. The one-statement form, UPDATE ... WHERE id IN (SELECT ...
    # LIMIT n FOR UPDATE SKIP LOCKED), is not safe on PostgreSQL: when the planner picks a
    # nested-loop semi join it re-runs the subquery for every outer row, the re-runs skip the
    # rows this UPDATE already changed, and the claim takes more than `limit` rows.
    ids = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(_claimable(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    stmt = (
        update(OutboxMessage)
        # The rows are locked (or the whole database is), so the predicate still holds;
        # re-checking it is cheap insurance that a claim stays exclusive.
        .where(OutboxMessage.id.in_(ids), _claimable(now))
        .values(status=IN_FLIGHT, lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .returning(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.dedupe_key,
            OutboxMessage.payload,
            OutboxMessage.attempts,
            OutboxMessage.contact_id,
        )
        .execution_options(synchronize_session=False)
    )
    items = [OutboxItem(*row) for row in session.execute(stmt)]
    return sorted(items, key=lambda item: item.id)


def _held(claims: Sequence[tuple[int, int]]) -> ColumnElement[bool]:
    # A claim is a row id and the attempt number it was claimed with: the number fences off
    # a worker whose lease ran out and whose row another worker claimed since.
    return and_(
        OutboxMessage.status == IN_FLIGHT,
        or_(*(and_(OutboxMessage.id == i, OutboxMessage.attempts == a) for i, a in claims)),
    )


def extend_lease(
    session: Session, claims: Sequence[tuple[int, int]], lease_until: datetime
) -> set[int]:
    """Keep the claimed rows `claims` (id, attempt) until `lease_until`; returns the ids kept.

    A row missing from the answer was claimed again by another worker after our lease ran
    out: it is theirs now, and must not be sent by us.
    """
    if not claims:
        return set()
    kept = session.scalars(
        update(OutboxMessage)
        .where(_held(claims))
        .values(lease_until=lease_until)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(kept)


def release(session: Session, claims: Sequence[tuple[int, int]], now: datetime) -> int:
    """Give claimed rows back untried (a worker stopping cleanly): due at once, attempt undone.

    A row never tried before is pending again; one tried before is failed, as it was.
    """
    if not claims:
        return 0
    given_back = session.scalars(
        update(OutboxMessage)
        .where(_held(claims))
        .values(
            status=case((OutboxMessage.attempts <= 1, PENDING), else_=FAILED),
            attempts=OutboxMessage.attempts - 1,
            lease_until=None,
            next_attempt_at=now,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return len(list(given_back))


def oldest_due(session: Session, now: datetime) -> datetime | None:
    """Since when the longest-waiting row has been due (or its worker's lease has run out).

    None when nothing is due. What the operator watches: a worker that keeps up keeps it near
    `now`.
    """
    due = session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status.in_((PENDING, FAILED)), OutboxMessage.next_attempt_at <= now
        )
    )
    expired = session.scalar(
        select(func.min(OutboxMessage.lease_until)).where(
            OutboxMessage.status == IN_FLIGHT, OutboxMessage.lease_until <= now
        )
    )
    found = [moment for moment in (due, expired) if moment is not None]
    return min(found) if found else None


def _finish(
    session: Session, item_id: int, attempt: int | None, values: Mapping[str, Any]
) -> bool:
    # Only a claimed row can be finished; `attempt` fences off a worker whose lease ran out
    # and whose row was claimed again by another one.
    conditions = [OutboxMessage.id == item_id, OutboxMessage.status == IN_FLIGHT]
    if attempt is not None:
        conditions.append(OutboxMessage.attempts == attempt)
    result = session.execute(
        update(OutboxMessage)
        .where(*conditions)
        .values(lease_until=None, **values)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


def _code(error_code: str) -> str:
    if not _ERROR_CODE.fullmatch(error_code):
        raise ValueError("error code must be 1-100 characters of [A-Za-z0-9_.:-]")
    return error_code


def mark_sent(
    session: Session,
    item_id: int,
    now: datetime,
    *,
    attempt: int | None = None,
    provider_id: str | None = None,
) -> bool:
    """Record a successful send (with the provider's id for the message, if it gave one).

    False if the row is not (or no longer) claimed by us.
    """
    values: dict[str, Any] = {"status": SENT, "sent_at": now, "last_error": None}
    if provider_id is not None:
        values["provider_id"] = provider_id[:64]
    return _finish(session, item_id, attempt, values)


@dataclass(frozen=True, slots=True)
class DeliveryUpdate:
    """What a delivery report changed: the row, its contact, and whether it moved forward."""

    outbox_id: int
    contact_id: int | None
    moved: bool


def record_delivery(
    session: Session, provider_id: str, status: str, rank: int, error_code: str | None
) -> DeliveryUpdate | None:
    """Store a provider's report on a sent message; a status never moves backwards.

    Reports arrive out of order ("sent" after "delivered"): only a higher `rank` replaces the
    stored status. None when no row carries `provider_id` (a reply sent as TwiML, say).
    """
    row = session.execute(
        select(OutboxMessage.id, OutboxMessage.contact_id).where(
            OutboxMessage.provider_id == provider_id
        )
    ).first()
    if row is None:
        return None
    values: dict[str, Any] = {"delivery_status": status[:16], "delivery_rank": rank}
    if error_code is not None:
        values["delivery_error"] = _code(error_code)[:32]
    moved = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id, OutboxMessage.delivery_rank < rank)
        .values(**values)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).first()
    return DeliveryUpdate(row.id, row.contact_id, moved is not None)


def mark_retry(
    session: Session,
    item_id: int,
    error_code: str,
    retry_at: datetime,
    *,
    attempt: int | None = None,
    count_attempt: bool = True,
) -> bool:
    """Record a failed attempt to be retried at `retry_at` (status `failed` until then).

    `count_attempt=False` gives the attempt back, for failures that are not the message's
    fault (no sender configured for its kind).
    """
    values: dict[str, Any] = {
        "status": FAILED,
        "next_attempt_at": retry_at,
        "last_error": _code(error_code),
    }
    if not count_attempt:
        values["attempts"] = OutboxMessage.attempts - 1
    return _finish(session, item_id, attempt, values)


def mark_dead(
    session: Session, item_id: int, error_code: str, *, attempt: int | None = None
) -> bool:
    """Give up on a message; it stays in the table for the operator."""
    return _finish(session, item_id, attempt, {"status": DEAD, "last_error": _code(error_code)})


def counts(session: Session) -> dict[str, int]:
    """How many outbox rows are in each status (every status present, zero included)."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    found: dict[str, int] = dict(session.execute(query).all())
    return {status: int(found.get(status, 0)) for status in OUTBOX_STATUSES}


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """What the operator may see of an outbox row: never its payload (personal data)."""

    id: int
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    delivery_status: str | None
    delivery_error: str | None


def rows(session: Session, statuses: Sequence[str], limit: int = 50) -> list[OutboxRow]:
    """The newest rows in `statuses`, newest first, without payloads."""
    query = (
        select(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.next_attempt_at,
            OutboxMessage.last_error,
            OutboxMessage.delivery_status,
            OutboxMessage.delivery_error,
        )
        .where(OutboxMessage.status.in_(list(statuses)))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [OutboxRow(*row) for row in session.execute(query)]


def postpone(session: Session, dedupe_key: str, due: datetime) -> bool:
    """Move a message that was never tried to `due`; False if it was tried, sent or is gone."""
    moved = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.status == PENDING)
        .values(next_attempt_at=due)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).first()
    return moved is not None


def cancel(session: Session, dedupe_key: str, code: str = "cancelled") -> bool:
    """Give up a message that was never tried (a reminder no longer needed)."""
    cancelled = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.status == PENDING)
        .values(status=DEAD, last_error=_code(code))
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).first()
    return cancelled is not None


def still_trying(session: Session, dedupe_pattern: str) -> bool:
    """Whether a row whose dedupe key matches the LIKE pattern is not yet sent or dead."""
    found = session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.dedupe_key.like(dedupe_pattern),
            OutboxMessage.status.in_((PENDING, IN_FLIGHT, FAILED)),
        )
        .limit(1)
    )
    return found is not None


def erase(session: Session, item_id: int) -> None:
    """Delete a row outright (a message to someone who deleted their data, once sent)."""
    session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.id == item_id)
        .execution_options(synchronize_session=False)
    )
