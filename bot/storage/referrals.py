"""Referrals as stored: created with the outbox rows that deliver them, counted for fairness."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.storage.models import DisabledEndpoint, Referral

SENDING = "sending"
DELIVERED = "delivered"
FAILED = "failed"
PASSED_ON = "passed-on"  # no intake of its partner could be reached; sent to another
DECLINED = "declined"  # the last partner that could take it declined; nobody else can


@dataclass(frozen=True, slots=True)
class StoredReferral:
    """A referral row as failover reads it.

    `case` is what matching read when the referral was made (`bot.core.partners.Case` as a
    dict; None for referrals made before it was kept); `tried` lists the partners that could
    not take it or declined, oldest first, each `{"partner", "outcome", "at"}`.
    """

    id: str
    reference: str
    contact_id: int | None
    partner_id: str
    status: str
    document: dict[str, Any]
    case: dict[str, Any] | None
    tried: tuple[dict[str, str], ...]

    @property
    def tried_ids(self) -> frozenset[str]:
        """The partners tried before the current one."""
        return frozenset(entry["partner"] for entry in self.tried)


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


def record_case(session: Session, referral_id: str, case: Mapping[str, Any]) -> None:
    """Keep what matching read for this referral, so it can be matched again without it."""
    session.execute(
        update(Referral)
        .where(Referral.id == referral_id)
        .values(routing={"case": dict(case), "tried": []})
    )


def find(session: Session, referral_id: str, *, for_update: bool = False) -> StoredReferral | None:
    """The stored referral, or None; `for_update` locks its row (PostgreSQL) until commit."""
    query = select(Referral).where(Referral.id == referral_id)
    return _stored(session.scalar(query.with_for_update() if for_update else query))


def find_by_reference(
    session: Session, reference: str, *, for_update: bool = False
) -> StoredReferral | None:
    """The referral the family knows by `reference` (e.g. HW-7K3P9Q), or None."""
    query = select(Referral).where(Referral.reference == reference.strip().upper())
    return _stored(session.scalar(query.with_for_update() if for_update else query))


def add_tried(
    session: Session, referral_id: str, partner_id: str, outcome: str, now: datetime
) -> None:
    """Record that `partner_id` could not take the referral (`outcome`: why, as a code)."""
    stored = session.get(Referral, referral_id)
    if stored is None:
        return
    routing = dict(stored.routing or {})
    entry = {"partner": partner_id, "outcome": outcome, "at": now.isoformat()}
    routing["tried"] = [*routing.get("tried", []), entry]
    stored.routing = routing  # a new value: SQLAlchemy does not see changes inside JSON
    session.flush()


def disabled_webhooks(session: Session) -> frozenset[str]:
    """The partners whose endpoint answered 410 Gone and was not re-enabled."""
    return frozenset(session.scalars(select(DisabledEndpoint.partner_id)))


def _stored(row: Referral | None) -> StoredReferral | None:
    if row is None:
        return None
    routing = row.routing or {}
    case = routing.get("case")
    tried = routing.get("tried") or []
    return StoredReferral(
        id=row.id,
        reference=row.reference,
        contact_id=row.contact_id,
        partner_id=row.partner_id,
        status=row.status,
        document=dict(row.document or {}),
        case=dict(case) if isinstance(case, dict) else None,
        tried=tuple(
            {str(k): str(v) for k, v in entry.items()}
            for entry in tried
            if isinstance(entry, dict) and "partner" in entry
        ),
    )
