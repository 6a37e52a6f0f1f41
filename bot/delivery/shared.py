"""What the referral senders share: their outbox rows, and reading a Retry-After header."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from sqlalchemy.orm import Session

from bot.core.referral import Referral, document_json
from bot.storage import outbox


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
    """A Retry-After header (seconds, or an HTTP date) as seconds from now; None if unusable."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return seconds if math.isfinite(seconds) and seconds > 0 else None
