"""Transactional outbox: enqueue with the decision, claim under a lease, record the outcome."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

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
) -> bool:
    """Add a message to send once the current transaction commits; due at `now`.

    Idempotent: False (and nothing changes) when `dedupe_key` was enqueued before.
    """
    if not 0 < len(kind) <= 32 or not 0 < len(dedupe_key) <= 200:
        raise ValueError("outbox kind must be 1-32 and dedupe_key 1-200 characters")
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
            "next_attempt_at": now,
            "created_at": now,
            "contact_id": contact_id,
        },
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    due = and_(OutboxMessage.status.in_((PENDING, FAILED)), OutboxMessage.next_attempt_at <= now)
    # A worker that died mid-send leaves its rows in flight; they come back when the lease ends.
    expired = and_(OutboxMessage.status == IN_FLIGHT, OutboxMessage.lease_until <= now)
    return or_(due, expired)


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
        )
        .execution_options(synchronize_session=False)
    )
    items = [OutboxItem(*row) for row in session.execute(stmt)]
    return sorted(items, key=lambda item: item.id)


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
    session: Session, item_id: int, now: datetime, *, attempt: int | None = None
) -> bool:
    """Record a successful send. False if the row is not (or no longer) claimed by us."""
    return _finish(session, item_id, attempt, {"status": SENT, "sent_at": now, "last_error": None})


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
