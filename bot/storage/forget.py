"""Forgetting a person: the one function that knows every table holding personal data.

DELETE (the person asks) and retention (time passes) both end here. What stays afterwards is
only what the coalition's figures need and names nobody: a referral's id, reference code,
partner, status, urgency and dates. `TABLES` says what happens in each table; a test checks
that it names every table of the models, so a new table cannot be forgotten by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Result, delete, select, update
from sqlalchemy.orm import Session

from bot.storage.models import Contact, Conversation, InboundMessage, OutboxMessage, Referral

# Table -> what forgetting a person does there.
TABLES = {
    "contacts": "the row is deleted (address, fingerprint, language, opt-out)",
    "conversations": "deleted with the contact (the state holds every answer)",
    "inbound_messages": "deleted with the contact (the provider ids' fingerprints)",
    "outbox": "the person's messages, reminders and referral deliveries are deleted, "
    "sent or not (their payloads hold texts, addresses and documents)",
    "referrals": "the document and the routing are erased and the person unlinked; the id, "
    "reference, partner, status, urgency and dates stay for the figures",
    "disabled_endpoints": "no personal data (a partner's webhook that answered 410)",
    "worker_heartbeats": "no personal data (a delivery worker's last sign of life)",
}
# A partner may hold the referral once a delivery to it was tried.
_REACHED = ("delivered", "accepted", "closed", "declined", "passed-on")


@dataclass(frozen=True, slots=True)
class ToldPartner:
    """A partner that may hold a deleted referral and must be told to delete it too."""

    partner_id: str
    referral_id: str
    reference: str


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What forgetting one person did, in counts and the partners to tell (no values)."""

    contacts: int
    referrals: int
    outbox_rows: int
    partners_to_tell: tuple[ToldPartner, ...]


def forget(session: Session, contact_id: int, now: datetime) -> Forgotten:
    """Erase everything of the person behind `contact_id`, in the caller's transaction.

    Deliveries not yet sent are cancelled by deleting them; a delivery in flight right now
    finds its row gone and records nothing. The caller queues the `referral.deleted` notices
    for `partners_to_tell` in the same transaction.
    """
    rows = session.execute(
        select(
            Referral.id, Referral.reference, Referral.partner_id, Referral.status, Referral.routing
        )
        .where(Referral.contact_id == contact_id)
        .with_for_update()
    ).all()
    told: list[ToldPartner] = []
    removed = 0
    for referral_id, reference, partner_id, status, routing in rows:
        # Referral deliveries are keyed "{kind}:{partner}:{referral id}" (delivery/shared.py).
        deliveries = OutboxMessage.dedupe_key.like(f"%:{referral_id}")
        attempted = session.scalar(
            select(OutboxMessage.id).where(deliveries, OutboxMessage.attempts > 0).limit(1)
        )
        partners = []
        if status in _REACHED or attempted is not None:
            partners.append(partner_id)
        # A partner tried before may hold it too: it declined, or its endpoint stored the
        # referral and then timed out. A notice carries nothing personal, so all are told.
        for entry in (routing or {}).get("tried", []):
            if isinstance(entry, dict) and entry.get("partner"):
                partners.append(str(entry["partner"]))
        told.extend(ToldPartner(p, referral_id, reference) for p in dict.fromkeys(partners) if p)
        removed += _count(
            session.execute(
                delete(OutboxMessage)
                .where(deliveries, OutboxMessage.contact_id.is_(None))
                .execution_options(synchronize_session=False)
            )
        )
    if rows:
        session.execute(
            update(Referral)
            .where(Referral.contact_id == contact_id)
            .values(document=None, routing=None, contact_id=None, deleted_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    removed += _count(
        session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.contact_id == contact_id)
            .execution_options(synchronize_session=False)
        )
    )
    # Explicit, not only ON DELETE CASCADE: SQLite enforces it per connection, and the
    # count of what went is worth having.
    session.execute(delete(InboundMessage).where(InboundMessage.contact_id == contact_id))
    session.execute(delete(Conversation).where(Conversation.contact_id == contact_id))
    contacts = _count(session.execute(delete(Contact).where(Contact.id == contact_id)))
    session.expire_all()
    return Forgotten(contacts, len(rows), removed, tuple(told))


def _count(result: Result[Any]) -> int:
    """The rows a DELETE removed (its cursor's rowcount)."""
    return int(getattr(result, "rowcount", 0) or 0)
