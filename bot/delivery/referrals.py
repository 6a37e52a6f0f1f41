"""A consented referral becomes a stored document and the outbox rows that deliver it."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core.effects import ReferralRequested
from bot.core.flow import ENGINE_FLAGS, Flow
from bot.core.i18n import Translators
from bot.core.messages import Address
from bot.core.partners import Partner
from bot.core.referral import AnsweredBy, Consent, Referral, shared_answers
from bot.core.state import State
from bot.delivery import email, webhook
from bot.storage import outbox, referrals
from bot.storage.forget import ToldPartner

logger = logging.getLogger(__name__)

# Outbox kinds of the notice that a person deleted their data (`referral.deleted`).
DELETED_WEBHOOK = "webhook-deleted"
DELETED_EMAIL = "email-deleted"

# Takes, in the caller's transaction, a referral that no intake of its partner can carry
# (`session, referral_id, now`): bot.delivery.failover.Failover, as the worker's is.
Unreachable = Callable[[Session, str, datetime], None]


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
    translators: Translators,
) -> Referral:
    """The referral document for what the person consented to, at `now`.

    Each answer travels with its question and labels, in English and, through `translators`
    (the engine's), in the language the person used; the answers the flow keeps out of the
    conversation (`requested.private`, a first name) travel here alone, in the order asked.
    """
    # Only the answers on the path the person took: one left from a path abandoned after a
    # change is neither sent nor a tag.
    on_path = flow.on_path({**state.answers, **requested.private}, ENGINE_FLAGS)
    # A private answer skipped (no first name) is not carried: no "prefer not to say" for it.
    skipped = {q for q, v in requested.private.items() if v is None}
    shared = state.evolve(answers={q: v for q, v in on_path.items() if q not in skipped})
    tags = flow.tags_for(on_path)
    reasons = tuple(r for r in state.referral.get("reasons", "").split("; ") if r)
    return Referral(
        id=requested.referral_id,
        created_at=now,
        language=state.locale,
        contact=address,
        answered_by=answered_by(tags),
        answers=shared_answers(flow, shared, translators.get(state.locale)),
        tags=tags,
        urgent="urgent" in tags,
        consent=Consent(consent_version(flow), now),
        partner_id=partner.id,
        partner_name=partner.name,
        match_reasons=reasons,
    )


def send(
    session: Session,
    referral: Referral,
    partner: Partner,
    contact_id: int,
    now: datetime,
    *,
    case: Mapping[str, Any] | None = None,
    unreachable: Unreachable | None = None,
) -> bool:
    """Store the referral and queue it for every intake the partner has, in one transaction.

    `case` is what matching read (kept to match again). Should no intake of the partner work
    now, `unreachable` passes the referral on at once: none is left stored with nothing to
    deliver it. False when it was stored before (the same consent twice changes nothing).
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
    if case is not None:
        referrals.record_case(session, referral.id, case)
    if enqueue(session, referral, partner, now):
        logger.info("referral %s queued for partner %s", referral.id, partner.id)
    elif unreachable is not None:
        logger.warning(
            "referral %s: no intake of partner %s works; passing it on", referral.id, partner.id
        )
        unreachable(session, referral.id, now)
    else:
        logger.error("referral %s: no intake of partner %s works", referral.id, partner.id)
    return True


def enqueue(session: Session, referral: Referral, partner: Partner, now: datetime) -> bool:
    """Queue the referral for every intake of `partner` that works (a webhook that answered
    410 Gone does not), in the caller's transaction; False when none does."""
    intake = partner.intake
    queued = False
    if (
        intake is not None
        and intake.webhook_url
        and intake.webhook_secret
        and not referrals.webhook_disabled(session, partner.id)
    ):
        webhook.enqueue(session, referral, now)
        queued = True
    if intake is not None and intake.email:
        email.enqueue(session, referral, now)
        queued = True
    return queued


def tell_deleted(
    session: Session, told: ToldPartner, partner: Partner | None, now: datetime
) -> None:
    """Ask a partner that may hold a referral to delete it, through each of its intakes.

    The notice carries the referral's id and reference code and nothing else: the person's
    data is already gone from Homeward when it is sent.
    """
    if partner is None or partner.intake is None:
        # The directory lost the partner since: nobody to tell, and the operator must know.
        logger.warning(
            "referral %s deleted; partner %s cannot be told", told.referral_id, told.partner_id
        )
        return
    notice = {
        "partner_id": partner.id,
        # The body a webhook receives (and an email quotes), ready to sign as it is.
        "document": json.dumps(
            {
                "type": "referral.deleted",
                "referral_id": told.referral_id,
                "reference": told.reference,
                "deleted_at": now.isoformat(),
            },
            separators=(",", ":"),
        ),
    }
    kinds = []
    if partner.intake.webhook_url and partner.intake.webhook_secret:
        kinds.append(DELETED_WEBHOOK)
    if partner.intake.email:
        kinds.append(DELETED_EMAIL)
    for kind in kinds:
        outbox.enqueue(
            session,
            kind=kind,
            dedupe_key=f"{kind}:{partner.id}:{told.referral_id}",
            payload=notice,
            now=now,
        )
