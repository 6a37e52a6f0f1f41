"""Retention: what is erased when, applied by the worker and by `homeward purge`.

- A person whose last message is older than `unfinished` and who has no referral still
  kept is forgotten entirely (`forget`): an unfinished screening, or a finished one whose
  referral's time is over.
- A referral's document is erased `referrals` after it was delivered or closed (its status
  and dates stay for the figures, as after DELETE).
- Dedup ids and sent or abandoned outbox rows go after `logs`.

Every rule runs with the clock it is given, in one transaction per pass; a dry run counts
what a pass would erase and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.storage.forget import forget
from bot.storage.models import Contact, InboundMessage, OutboxMessage, Referral

logger = logging.getLogger(__name__)

# A referral in one of these states is finished: its partner has it, or nobody will.
FINISHED = ("delivered", "accepted", "closed", "declined", "failed")
SENT_OR_GIVEN_UP = ("sent", "dead")


@dataclass(frozen=True, slots=True)
class Limits:
    """How long each kind of data is kept."""

    unfinished: timedelta = timedelta(days=30)
    referrals: timedelta = timedelta(days=90)
    logs: timedelta = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Purged:
    """What one pass erased (or would erase, in a dry run)."""

    people: int = 0
    referral_documents: int = 0
    dedup_ids: int = 0
    outbox_rows: int = 0

    @property
    def total(self) -> int:
        """Everything counted."""
        return self.people + self.referral_documents + self.dedup_ids + self.outbox_rows


def purge(session: Session, now: datetime, limits: Limits, *, dry_run: bool = False) -> Purged:
    """Erase what has outlived its limit, in the caller's transaction (nothing when dry)."""
    expired_documents = (
        Referral.document.is_not(None),
        Referral.status.in_(FINISHED),
        Referral.updated_at < now - limits.referrals,
    )
    # Someone is kept while a referral of theirs still holds its document and is not expired.
    kept_referral = (
        select(Referral.id)
        .where(
            Referral.contact_id == Contact.id,
            Referral.document.is_not(None),
            or_(Referral.status.not_in(FINISHED), Referral.updated_at >= now - limits.referrals),
        )
        .exists()
    )
    quiet = func.coalesce(Contact.last_inbound_at, Contact.created_at) < now - limits.unfinished
    people = list(session.scalars(select(Contact.id).where(quiet, ~kept_referral)))
    old_ids = InboundMessage.received_at < now - limits.logs
    old_rows = (
        OutboxMessage.status.in_(SENT_OR_GIVEN_UP),
        func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < now - limits.logs,
    )
    if dry_run:
        return Purged(
            people=len(people),
            referral_documents=_count(session, select(Referral.id).where(*expired_documents)),
            dedup_ids=_count(session, select(InboundMessage.id).where(old_ids)),
            outbox_rows=_count(session, select(OutboxMessage.id).where(*old_rows)),
        )
    for contact_id in people:
        forget(session, contact_id, now)
    documents = session.execute(
        update(Referral)
        .where(*expired_documents)
        .values(document=None, routing=None, contact_id=None)
        .execution_options(synchronize_session=False)
    )
    ids = session.execute(delete(InboundMessage).where(old_ids))
    rows = session.execute(
        delete(OutboxMessage).where(*old_rows).execution_options(synchronize_session=False)
    )
    return Purged(
        people=len(people),
        referral_documents=_rowcount(documents),
        dedup_ids=_rowcount(ids),
        outbox_rows=_rowcount(rows),
    )


def housekeeping(session: Session, now: datetime, *, limits: Limits) -> None:
    """The worker's periodic pass: purge, and log the counts (never what was erased)."""
    purged = purge(session, now, limits)
    if purged.total:
        logger.info(
            "retention erased people=%d documents=%d dedup_ids=%d outbox_rows=%d",
            purged.people,
            purged.referral_documents,
            purged.dedup_ids,
            purged.outbox_rows,
        )


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
