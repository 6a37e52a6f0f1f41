"""One inbound message end to end: dedup, lock the contact, run the engine, persist, in one go."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.core import texts
from bot.core.actions import CASE_KEY, Matcher, Receiving
from bot.core.effects import DeletionRequested, FlowHalted, ReferralRequested
from bot.core.engine import Engine
from bot.core.matching import choose
from bot.core.messages import Address, Choice, Inbound, Outbound
from bot.core.partners import Case, Match, Partner
from bot.core.sms import fold_accents
from bot.core.state import State
from bot.delivery import chat, failover
from bot.delivery import referrals as referrals_out
from bot.delivery.twilio_eraser import enqueue_erase
from bot.partners import Directory
from bot.storage import contacts, referrals
from bot.storage.forget import forget

logger = logging.getLogger(__name__)


class Conversations:
    """Runs the engine for each inbound message and keeps the state in the database.

    Everything happens in one transaction: the dedup row, the state and the effects are
    written together or not at all, and the contact row stays locked until the commit, so two
    messages from one person are handled one after the other.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        engine: Engine,
        directory: Directory | None = None,
        fallback: Partner | None = None,
        sms_fold_accents: frozenset[str] = frozenset(),
        delete_provider_copies: bool = False,
    ) -> None:
        self.sessions = sessions
        self.engine = engine
        self.directory = directory
        self.fallback = fallback
        self.sms_fold_accents = sms_fold_accents
        # HOMEWARD_DELETE_PROVIDER_COPIES: DELETE also deletes Twilio's message records.
        self.delete_provider_copies = delete_provider_copies

    def handle(self, inbound: Inbound) -> tuple[Outbound, ...]:
        """The replies to send back for `inbound` (none for a duplicate or after STOP)."""
        return self._run(inbound, via_outbox=False)

    def queue(self, inbound: Inbound) -> tuple[Outbound, ...]:
        """Handle `inbound` and put the replies in the outbox, in the same transaction.

        For channels that cannot carry several replies in the webhook answer (Telegram): the
        worker sends them in order, retries them, and never sends a part twice. Returns ().
        """
        return self._run(inbound, via_outbox=True)

    def _run(self, inbound: Inbound, *, via_outbox: bool) -> tuple[Outbound, ...]:
        channel, now = inbound.address.channel, inbound.received_at
        with self.sessions.begin() as session:
            contact = contacts.get_or_create_contact_for_update(
                session, channel, inbound.address.id, now
            )
            if inbound.provider_id is not None and not contacts.record_inbound(
                session, channel, inbound.provider_id, contact.id, now
            ):
                logger.info("duplicate inbound ignored contact=%s channel=%s", contact.id, channel)
                return ()
            if contact.last_inbound_at is None or contact.last_inbound_at < now:
                contact.last_inbound_at = now  # also for channels without provider ids
            state = contacts.load_state(session, contact)
            turn = self.engine.step(
                state,
                inbound,
                matcher=self._matcher(session, now),
                receiving=self._receiving(session),
            )
            replies = self._spelled(turn.outbound, channel, turn.state.locale)
            for requested in (e for e in turn.effects if isinstance(e, ReferralRequested)):
                self._refer(session, requested, turn.state, inbound, contact.id)
            deleting = any(isinstance(effect, DeletionRequested) for effect in turn.effects)
            if deleting:
                self._forget(session, contact.id, inbound.address, now)
            else:
                contacts.save_state(session, contact, turn.state, now)
            for halted in (e for e in turn.effects if isinstance(e, FlowHalted)):
                # The operator must see this: a flow that loops without asking anything.
                logger.warning(
                    "flow halted flow=%s node=%s reason=%s contact=%s",
                    halted.flow_id,
                    halted.node_id,
                    halted.reason,
                    contact.id,
                )
            logger.info(
                "turn contact=%s channel=%s replies=%d effects=%s",
                contact.id,
                channel,
                len(turn.outbound),
                ",".join(type(effect).__name__ for effect in turn.effects) or "-",
            )
            if via_outbox and deleting:
                # The person is gone: the confirmation belongs to nobody and is erased once sent.
                chat.enqueue_farewell(session, inbound.address, replies, now)
            elif via_outbox:
                # Not the provider id: a Telegram id names the chat, and outbox keys are clear.
                # The dedup row written above already makes this turn run once.
                turn_key = uuid.uuid4().hex
                chat.enqueue_replies(session, contact.id, inbound.address, replies, turn_key, now)
            if not deleting:
                self._reminder(session, contact.id, inbound, state, turn.state)
        return () if via_outbox else replies

    def _forget(self, session: Session, contact_id: int, address: Address, now: datetime) -> None:
        """Erase every trace of the person, and ask each partner that may hold their referral
        to delete it too (a `referral.deleted` notice carrying only its id and code)."""
        if self.delete_provider_copies:
            enqueue_erase(session, address, now)  # Twilio's copies: the number is needed
        forgotten = forget(session, contact_id, now)
        for told in forgotten.partners_to_tell:
            partner = self.directory.get(told.partner_id) if self.directory else None
            referrals_out.tell_deleted(session, told, partner, now)
        logger.info(
            "forgot contact=%s referrals=%d outbox=%d partners_told=%d",
            contact_id,
            forgotten.referrals,
            forgotten.outbox_rows,
            len(forgotten.partners_to_tell),
        )

    def _spell(self, text: str, channel: str, locale: str) -> str:
        """`text` as this channel spells it: on SMS, the operator may fold accents away for
        some locales (HOMEWARD_SMS_FOLD_ACCENTS); WhatsApp and Telegram keep them."""
        folding = channel == chat.SMS and locale in self.sms_fold_accents
        return fold_accents(text) if folding else text

    def _spelled(
        self, replies: tuple[Outbound, ...], channel: str, locale: str
    ) -> tuple[Outbound, ...]:
        """Every reply's text and choice labels, as `_spell` writes them."""
        return tuple(
            Outbound(
                self._spell(reply.text, channel, locale),
                tuple(Choice(c.key, self._spell(c.label, channel, locale)) for c in reply.choices),
                reply.question,
                reply.after_stop,
            )
            for reply in replies
        )

    def _matcher(self, session: Session, now: datetime) -> Matcher | None:
        """Matching over the directory, with this week's load read only when a flow asks.

        Partners whose only intake is a webhook that answered 410 Gone are left out, the
        general intake too.
        """
        directory = self.directory
        if directory is None:
            return None

        def match(case: Case) -> Match | None:
            load = referrals.weekly_load(session, now)
            disabled = referrals.disabled_webhooks(session)
            usable = failover.reachable(directory.partners, disabled)
            fallback = self.fallback
            if fallback is not None and not failover.reachable((fallback,), disabled):
                fallback = None
            return choose(case, usable, load, spread_key=case.key, fallback=fallback)

        return match

    def _receiving(self, session: Session) -> Receiving | None:
        """Whether a partner can be sent a referral now, as the engine asks when someone
        consents: still in the directory, legal with capacity, and an intake that works."""
        directory = self.directory
        if directory is None:
            return None

        def receiving(partner_id: str) -> bool:
            partner = directory.get(partner_id)
            if partner is None or not partner.can_receive:
                return False
            return bool(failover.reachable((partner,), referrals.disabled_webhooks(session)))

        return receiving

    def _refer(
        self,
        session: Session,
        requested: ReferralRequested,
        state: State,
        inbound: Inbound,
        contact_id: int,
    ) -> None:
        partner = self.directory.get(requested.partner_id) if self.directory else None
        flow = self.engine.flows.get(requested.flow_id)
        if partner is None or flow is None:
            # The directory changed under a conversation: nothing can be sent; say so loudly.
            logger.error("referral %s names an unknown partner or flow", requested.referral_id)
            return
        referral = referrals_out.build(
            requested,
            state,
            flow,
            inbound.address,
            partner,
            inbound.received_at,
            self.engine.translators,
        )
        case = state.referral.get(CASE_KEY)
        referrals_out.send(
            session,
            referral,
            partner,
            contact_id,
            inbound.received_at,
            case=json.loads(case) if case else None,
            unreachable=self._failover(),
        )

    def _failover(self) -> failover.Failover:
        """Passing a referral on, should its partner's last intake stop working between the
        engine's check and the outbox (another process disabled its webhook meanwhile)."""
        partners = self.directory.partners if self.directory is not None else ()
        return failover.Failover(
            partners, self.fallback, self.engine.translators, self.sms_fold_accents
        )

    def _reminder(
        self, session: Session, contact_id: int, inbound: Inbound, before: State, after: State
    ) -> None:
        """One reminder about 23 hours after someone stops midway; never after STOP or the end."""
        if inbound.address.channel not in chat.MAX_LENGTH:
            return  # the terminal, the simulator and tests have nobody to remind
        if before.started_at is not None and before.started_at != after.started_at:
            chat.forget_reminder(session, contact_id, before.started_at)  # a new run began
        if after.started_at is None:
            return
        waiting = after.status == "active" and after.node_id is not None and not after.opted_out
        if waiting:
            text = self.engine.translators.get(after.locale).text(texts.REMINDER)
            text = self._spell(text, inbound.address.channel, after.locale)
            chat.remind_later(
                session,
                contact_id,
                inbound.address,
                after.started_at,
                text,
                inbound.received_at,
            )
        else:
            chat.forget_reminder(session, contact_id, after.started_at)
