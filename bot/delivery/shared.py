"""What the referral senders share: their outbox rows, and reading a Retry-After header."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from sqlalchemy.orm import Session

from bot.core.referral import Referral, document_json
from bot.storage import outbox

# The longest wait a receiver may ask for: a day (the worker caps it again, at its longest
# backoff step). A header is outside input: "1e20" must not reach a timedelta.
MAX_RETRY_AFTER = 86400.0


def referral_payload(referral: Referral) -> dict[str, str]:
    """The outbox payload of a referral: its partner and the exact document text to deliver."""
    return {"partner_id": referral.partner_id, "document": document_json(referral)}


def enqueue_referral(session: Session, kind: str, referral: Referral, now: datetime) -> bool:
    """Queue the referral for one kind of intake, in the caller's transaction.

    Idempotent per kind, referral and partner: False when it was queued before.
    """
    return outbox.enqueue(
        session,
        kind=kind,
        dedupe_key=f"{kind}:{referral.partner_id}:{referral.id}",
        payload=referral_payload(referral),
        now=now,
    )


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now, at most a day.

    None if unusable: empty, unreadable, not a positive finite number, or a date now past.
    """
    if not value or len(value) > 100:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - (now or datetime.now(UTC))).total_seconds()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)
