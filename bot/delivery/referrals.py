"""A consented referral becomes a stored document and the outbox rows that deliver it."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.effects import ReferralRequested
from bot.core.flow import Flow
from bot.core.messages import Address
from bot.core.partners import Partner
from bot.core.referral import AnsweredBy, Consent, Referral, from_document
from bot.core.state import State
from bot.delivery import email, webhook
from bot.storage import referrals

logger = logging.getLogger(__name__)


def consent_version(flow: Flow) -> str:
    """Which wording the person consented to: the flow and a digest of all its texts."""
    texts = "\n".join(f"{node.id}:{node.text}" for node in flow.nodes.values())
    return f"{flow.id}-{hashlib.sha256(texts.encode()).hexdigest()[:12]}"


def answered_by(tags: frozenset[str]) -> AnsweredBy:
    """Who answered, from the routing tags the flow set."""
    if "answered-by-family" in tags:
        return "family"
    if "answered-by-advocate" in tags:
        return "advocate"
    return "self"


def build(
    requested: ReferralRequested,
    state: State,
    flow: Flow,
    address: Address,
    partner: Partner,
    now: datetime,
) -> Referral:
    """The referral document for what the person consented to, at `now`."""
    tags = flow.tags_for(state.answers)
    reasons = tuple(r for r in state.referral.get("reasons", "").split("; ") if r)
    return Referral(
        id=requested.referral_id,
        created_at=now,
        language=state.locale,
        contact=address,
        answered_by=answered_by(tags),
        answers=dict(state.answers),
        tags=tags,
        urgent="urgent" in tags,
        consent=Consent(consent_version(flow), now),
        partner_id=partner.id,
        partner_name=partner.name,
        match_reasons=reasons,
    )


def send(
    session: Session, referral: Referral, partner: Partner, contact_id: int, now: datetime
) -> bool:
    """Store the referral and queue it for every intake the partner has, in one transaction.

    False when it was stored before (the same consent delivered twice changes nothing).
    """
    created = referrals.create(
        session,
        referral.id,
        referral.reference,
        contact_id,
        partner.id,
        referral.to_document(),
        referral.urgent,
        now,
    )
    if not created:
        return False
    _enqueue(session, referral, partner, now)
    logger.info("referral %s queued for partner %s", referral.id, partner.id)
    return True


PASSED_ON_REASON = (
    "the first partner could not be reached; the coalition's general intake will find one"
)


def pass_on(session: Session, referral_id: str, fallback: Partner | None, now: datetime) -> bool:
    """Send a referral no intake of its partner could take to the coalition's general intake.

    The referral keeps its id and reference code (the family knows that code); the new
    partner gets its own deliveries. False when there is nowhere else to send it: the
    operator sees it failed in `homeward outbox`.
    """
    document = referrals.document_of(session, referral_id)
    if document is None:
        return False
    first = from_document(document)
    if fallback is None or not fallback.can_receive or first.partner_id == fallback.id:
        logger.error("referral %s could not be delivered and has nowhere else to go", referral_id)
        return False
    moved = dataclasses.replace(
        first,
        partner_id=fallback.id,
        partner_name=fallback.name,
        match_reasons=(PASSED_ON_REASON,),
    )
    referrals.reassign(session, referral_id, fallback.id, moved.to_document(), now)
    _enqueue(session, moved, fallback, now)
    logger.warning(
        "referral %s passed on from %s to %s", referral_id, first.partner_id, fallback.id
    )
    return True


def _enqueue(session: Session, referral: Referral, partner: Partner, now: datetime) -> None:
    intake = partner.intake
    if (
        intake is not None
        and intake.webhook_url
        and intake.webhook_secret
        and not referrals.webhook_disabled(session, partner.id)
    ):
        webhook.enqueue(session, referral, now)
    if intake is not None and intake.email:
        email.enqueue(session, referral, now)
