"""Referrals as stored: created with the outbox rows that deliver them, counted for fairness."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.storage.models import DisabledEndpoint, Referral

SENDING = "sending"
DELIVERED = "delivered"
FAILED = "failed"
PASSED_ON = "passed-on"  # no intake of its partner could be reached; sent to another


def create(
    session: Session,
    referral_id: str,
    reference: str,
    contact_id: int | None,
    partner_id: str,
    document: Mapping[str, Any],
    urgent: bool,
    now: datetime,
) -> bool:
    """Store a referral being sent; False (nothing changes) if this id exists already."""
    if session.get(Referral, referral_id) is not None:
        return False
    session.add(
        Referral(
            id=referral_id,
            reference=reference,
            contact_id=contact_id,
            partner_id=partner_id,
            status=SENDING,
            urgent=urgent,
            document=dict(document),
            created_at=now,
            updated_at=now,
        )
    )
    session.flush()
    return True


def set_status(session: Session, referral_id: str, status: str, now: datetime) -> None:
    """Record what became of a referral (delivered, failed, or a partner's decision)."""
    session.execute(
        update(Referral).where(Referral.id == referral_id).values(status=status, updated_at=now)
    )


def weekly_load(session: Session, now: datetime) -> dict[str, int]:
    """Referrals each partner received in the last seven days (for capacity and fairness)."""
    query = (
        select(Referral.partner_id, func.count())
        .where(Referral.created_at > now - timedelta(days=7))
        .group_by(Referral.partner_id)
    )
    return {partner_id: int(count) for partner_id, count in session.execute(query)}


def status_of(session: Session, referral_id: str) -> str | None:
    """The referral's status, or None when there is no such referral."""
    return session.scalar(select(Referral.status).where(Referral.id == referral_id))


def reassign(
    session: Session, referral_id: str, partner_id: str, document: Mapping[str, Any], now: datetime
) -> None:
    """The same referral (same id and reference code) now goes to another partner."""
    session.execute(
        update(Referral)
        .where(Referral.id == referral_id)
        .values(partner_id=partner_id, document=dict(document), status=SENDING, updated_at=now)
    )


def document_of(session: Session, referral_id: str) -> dict[str, Any] | None:
    """The document of a stored referral, or None."""
    stored = session.get(Referral, referral_id)
    return dict(stored.document) if stored is not None else None


def disable_webhook(session: Session, partner_id: str, now: datetime) -> None:
    """The partner's endpoint said 410 Gone: stop sending to it (the operator re-enables it)."""
    if session.get(DisabledEndpoint, partner_id) is None:
        session.add(DisabledEndpoint(partner_id=partner_id, disabled_at=now))
        session.flush()


def enable_webhook(session: Session, partner_id: str) -> bool:
    """Send to the partner's endpoint again; False if it was not disabled."""
    found = session.get(DisabledEndpoint, partner_id)
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def webhook_disabled(session: Session, partner_id: str) -> bool:
    """Whether the partner's endpoint answered 410 Gone and was not re-enabled."""
    return session.get(DisabledEndpoint, partner_id) is not None
