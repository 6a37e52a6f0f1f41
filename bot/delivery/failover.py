"""A partner that cannot be reached or declines: the case goes to the next-best partner.

The referral keeps its id and reference code (the family knows that code). Matching runs again
over the case it read when the referral was made (kept on the referral row), leaving out every
partner already tried; when nobody else fits, the coalition's general intake takes it. The
family is told the new partner's name, in their language, on the channel they wrote from.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.i18n import Text, Translators
from bot.core.matching import NO_MATCH_REASON, choose
from bot.core.messages import Outbound
from bot.core.partners import Case, Match, Partner
from bot.core.referral import Referral, from_document
from bot.core.sms import fold_accents
from bot.delivery import chat, email, webhook
from bot.delivery.referrals import enqueue
from bot.storage import outbox, referrals
from bot.storage.referrals import StoredReferral

logger = logging.getLogger(__name__)

# Why a partner was passed over (kept in the referral's routing, never shown to anyone).
UNREACHABLE = "unreachable"
DECLINED = "declined"

# The reason the general intake reads when every fitting partner was tried.
PASSED_ON_REASON = (
    "the partners tried first could not take the case; the coalition's general intake will "
    "find one"
)

# What the family reads. Translations come later (babel.cfg must list this module). It says
# who has the answers now and that the code still holds; it promises nothing about a result.
NEW_PARTNER = Text(
    "passed-on.new-partner",
    "The group we sent your answers to could not take them, so we sent them to {partner}. "
    "Your reference code is still {reference}. {partner} will read your answers.",
)


@dataclass(frozen=True, slots=True)
class Passed:
    """Where a referral went: the partner now responsible, or None when nobody can take it."""

    reference: str
    previous: str
    partner: Partner | None


@dataclass(frozen=True, slots=True)
class Failover:
    """Passes referrals on; an instance is the worker's `on_referral_failed`.

    `partners` is the directory, `fallback` the coalition's general intake, `translators` the
    engine's (the notice is in the family's language), `sms_fold_accents` the locales whose
    SMS drop accents (HOMEWARD_SMS_FOLD_ACCENTS), as in every other SMS Homeward sends.
    """

    partners: Sequence[Partner]
    fallback: Partner | None
    translators: Translators = field(default_factory=Translators)
    sms_fold_accents: frozenset[str] = frozenset()

    def __call__(self, session: Session, referral_id: str, now: datetime) -> None:
        """Every intake of the referral's partner gave up: pass it on."""
        self.pass_on(session, referral_id, now)

    def pass_on(
        self, session: Session, referral_id: str, now: datetime, *, outcome: str = UNREACHABLE
    ) -> Passed | None:
        """Send the referral to the next-best partner, in the caller's transaction.

        `outcome` says why its partner is passed over. None when there is no such referral;
        otherwise where it went (`partner` None: nobody else can take it, and its status says
        failed or declined for the operator).
        """
        stored = referrals.find(session, referral_id, for_update=True)
        if stored is None:
            return None
        referrals.add_tried(session, referral_id, stored.partner_id, outcome, now)
        tried = stored.tried_ids | {stored.partner_id}
        found = self._next(session, stored, tried, now)
        if found is None:
            status = referrals.DECLINED if outcome == DECLINED else referrals.FAILED
            referrals.set_status(session, referral_id, status, now)
            logger.error("referral %s has nowhere else to go (%s)", referral_id, outcome)
            return Passed(stored.reference, stored.partner_id, None)
        partner = found.partner
        first = from_document(stored.document)
        general = found.reasons == (NO_MATCH_REASON,)
        reasons = (PASSED_ON_REASON,) if general else found.reasons
        moved = dataclasses.replace(
            first, partner_id=partner.id, partner_name=partner.name, match_reasons=reasons
        )
        referrals.reassign(session, referral_id, partner.id, moved.to_document(), now)
        enqueue(session, moved, partner, now)
        self._tell_family(session, stored, moved, now)
        logger.warning(
            "referral %s passed on from %s to %s (%s)",
            referral_id,
            stored.partner_id,
            partner.id,
            outcome,
        )
        return Passed(stored.reference, stored.partner_id, partner)

    def decline(self, session: Session, reference: str, now: datetime) -> Passed | None:
        """The referral's partner said it cannot take the case: record it and pass it on.

        Deliveries to that partner not yet tried are cancelled. None: no such reference.
        """
        stored = referrals.find_by_reference(session, reference, for_update=True)
        if stored is None:
            return None
        for kind in (webhook.KIND, email.KIND):
            outbox.cancel(session, f"{kind}:{stored.partner_id}:{stored.id}", DECLINED)
        return self.pass_on(session, stored.id, now, outcome=DECLINED)

    def _next(
        self, session: Session, stored: StoredReferral, tried: Collection[str], now: datetime
    ) -> Match | None:
        """The best partner not yet tried for the stored case; else the general intake."""
        disabled = referrals.disabled_webhooks(session)
        usable = reachable(self.partners, disabled)
        fallback = self.fallback
        if fallback is not None and not (
            fallback.can_receive and reachable((fallback,), disabled)
        ):
            fallback = None  # never a partner without legal services, intake or capacity
        case = _case(stored)
        if case is None:
            # Made before cases were kept: nothing to match on, as it was then.
            usable = ()
            case = Case(tags=frozenset(), language="en")
        load = referrals.weekly_load(session, now)
        return choose(case, usable, load, spread_key=stored.id, fallback=fallback, exclude=tried)

    def _tell_family(
        self, session: Session, stored: StoredReferral, moved: Referral, now: datetime
    ) -> None:
        """Queue the notice naming the new partner, after anything already queued for them."""
        address = moved.contact
        if stored.contact_id is None or address.channel not in chat.MAX_LENGTH:
            # The terminal and the simulator keep no outbox; a forgotten contact has no channel.
            logger.info("referral %s: nobody to tell on channel %s", moved.id, address.channel)
            return
        text = self.translators.get(moved.language).text(
            NEW_PARTNER, partner=moved.partner_name, reference=moved.reference
        )
        if address.channel == chat.SMS and moved.language in self.sms_fold_accents:
            text = fold_accents(text)
        turn = f"passed-on:{moved.id}:{moved.partner_id}"
        chat.enqueue_replies(session, stored.contact_id, address, (Outbound(text),), turn, now)


def reachable(partners: Sequence[Partner], disabled: Collection[str]) -> tuple[Partner, ...]:
    """The partners with an intake that works now: an email, or a webhook not disabled (410)."""
    return tuple(
        partner
        for partner in partners
        if partner.intake is not None
        and (
            partner.intake.email
            or (
                partner.intake.webhook_url
                and partner.intake.webhook_secret
                and partner.id not in disabled
            )
        )
    )


def _case(stored: StoredReferral) -> Case | None:
    if stored.case is None:
        return None
    try:
        return Case.from_dict(stored.case)
    except ValueError:
        logger.error("referral %s keeps a case that cannot be read", stored.id)
        return None
