"""Contacts and their conversation state: find-or-create under a lock, load, save, erase."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from bot.core.errors import StorageError
from bot.core.state import State
from bot.storage.crypto import UnreadableValue
from bot.storage.database import insert_ignoring_conflict
from bot.storage.models import Contact, Conversation, InboundMessage

logger = logging.getLogger(__name__)


def get_or_create_contact_for_update(
    session: Session, channel: str, address: str, now: datetime
) -> Contact:
    """The contact for (channel, address), created if new, locked until the transaction ends.

    Race-safe: two requests for a new person both try INSERT ... ON CONFLICT DO NOTHING and
    then both SELECT ... FOR UPDATE, so they get the same row and the second waits for the
    first (PostgreSQL row lock; on SQLite the engine's BEGIN IMMEDIATE already serializes).
    """
    insert_ignoring_conflict(
        session,
        Contact,
        ("channel", "address_key"),
        {
            "channel": channel,
            "address_key": address,  # the column type stores its fingerprint
            "address": address,  # and this one encrypts it
            "created_at": now,
            "opted_out": False,
        },
    )
    contact = session.scalars(
        select(Contact)
        .where(Contact.channel == channel, Contact.address_key == address)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if contact is None:  # pragma: no cover - only if the row vanished between the statements
        raise StorageError("contact disappeared while being created")
    return contact


def _conversation(session: Session, contact: Contact) -> Conversation | None:
    return session.scalars(
        select(Conversation).where(Conversation.contact_id == contact.id)
    ).one_or_none()


def load_state(session: Session, contact: Contact) -> State:
    """The contact's saved conversation state, or a fresh one if there is none.

    A fresh state keeps the contact's opt-out: STOP outlives DELETE.
    """
    try:
        conversation = _conversation(session, contact)
        if conversation is not None:
            # The contact row has the last word on opt-out: a provider may report it too.
            return State.from_dict(conversation.state).evolve(opted_out=contact.opted_out)
    except (ValueError, TypeError, UnreadableValue):
        # A state this version cannot trust, or that no configured key opens, must not lock
        # the person out (STOP and DELETE included): start afresh, and tell the operator
        # which contact it was.
        logger.warning("unreadable conversation state replaced contact=%s", contact.id)
        session.execute(delete(Conversation).where(Conversation.contact_id == contact.id))
    return State(opted_out=contact.opted_out)


def save_state(session: Session, contact: Contact, state: State, now: datetime) -> None:
    """Store `state` as the contact's conversation; mirror its locale and opt-out on the contact.

    Call with the contact locked (`get_or_create_contact_for_update`) so the upsert cannot race.
    """
    conversation = _conversation(session, contact)
    if conversation is None:
        conversation = Conversation(contact_id=contact.id, created_at=now)
        session.add(conversation)
    conversation.flow_id = state.flow_id
    conversation.node_id = state.node_id
    conversation.status = state.status
    conversation.state = state.to_dict()
    conversation.updated_at = now
    contact.locale = state.locale
    contact.opted_out = state.opted_out
    session.flush()


def record_inbound(
    session: Session, channel: str, provider_id: str, contact_id: int, received_at: datetime
) -> bool:
    """Log a received message's provider id; False when it was already logged (redelivery).

    Also moves the contact's `last_inbound_at` forward. The message text is never stored.
    """
    inserted = insert_ignoring_conflict(
        session,
        InboundMessage,
        ("channel", "provider_id"),
        {
            "channel": channel,
            "provider_id": provider_id,
            "contact_id": contact_id,
            "received_at": received_at,
        },
    )
    if inserted:
        session.execute(
            update(Contact)
            .where(
                Contact.id == contact_id,
                or_(Contact.last_inbound_at.is_(None), Contact.last_inbound_at < received_at),
            )
            .values(last_inbound_at=received_at)
            .execution_options(synchronize_session="fetch")
        )
    return inserted


def mark_opted_out(session: Session, contact_id: int) -> None:
    """The provider says the person cannot be reached (they sent STOP, or blocked the bot)."""
    session.execute(update(Contact).where(Contact.id == contact_id).values(opted_out=True))


def is_opted_out(session: Session, contact_id: int) -> bool:
    """Whether the person has opted out (or the contact no longer exists)."""
    opted_out = session.scalar(select(Contact.opted_out).where(Contact.id == contact_id))
    return opted_out is None or bool(opted_out)
