"""Contacts repository: race-safe find-or-create, state round trip, inbound dedup, erasure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.state import State
from bot.storage import outbox
from bot.storage.contacts import (
    get_or_create_contact_for_update,
    load_state,
    record_inbound,
    save_state,
)
from bot.storage.models import Contact, Conversation, InboundMessage, OutboxMessage

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PHONE = "+5215550001111"

Sessions = sessionmaker[Session]


def new_contact(sessions: Sessions, address: str = PHONE, channel: str = "sms") -> int:
    with sessions.begin() as session:
        return get_or_create_contact_for_update(session, channel, address, NOW).id


def count(sessions: Sessions, model: type[object]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_get_or_create_creates_once_and_then_finds(session_factory: Sessions) -> None:
    with session_factory.begin() as session:
        contact = get_or_create_contact_for_update(session, "sms", PHONE, NOW)
        assert (contact.locale, contact.opted_out, contact.created_at) == (None, False, NOW)
        first_id = contact.id

    assert new_contact(session_factory) == first_id
    assert new_contact(session_factory, channel="whatsapp") != first_id
    assert count(session_factory, Contact) == 2


def test_channel_and_address_are_unique(session_factory: Sessions) -> None:
    new_contact(session_factory)
    with session_factory() as session:
        session.add(Contact(channel="sms", address_key=PHONE, address=PHONE, created_at=NOW))
        with pytest.raises(IntegrityError):
            session.flush()


def test_contact_repr_never_shows_the_address(session_factory: Sessions) -> None:
    with session_factory.begin() as session:
        contact = get_or_create_contact_for_update(session, "sms", PHONE, NOW)
        assert PHONE not in repr(contact)


def test_timestamps_come_back_as_aware_utc(session_factory: Sessions) -> None:
    plus_two = datetime(2026, 11, 23, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    with session_factory.begin() as session:
        contact = get_or_create_contact_for_update(session, "sms", PHONE, plus_two)
        contact_id = contact.id
    with session_factory() as session:
        created = session.get_one(Contact, contact_id).created_at
    assert created == NOW
    assert created.tzinfo == UTC


def test_naive_timestamps_are_refused(session_factory: Sessions) -> None:
    with session_factory() as session, pytest.raises(StatementError, match="naive"):
        get_or_create_contact_for_update(session, "sms", PHONE, datetime(2026, 1, 1))


def test_state_round_trips_and_is_mirrored_on_the_contact(session_factory: Sessions) -> None:
    state = State(
        flow_id="intake",
        node_id="deported_year",
        locale="es",
        answers={"country": "MX", "year": 2019, "skipped": None},
        history=(("country", "MX"), ("year", 2019), ("skipped", None)),
        opted_out=True,
        status="active",
        updated_at=NOW,
    )
    with session_factory.begin() as session:
        contact = get_or_create_contact_for_update(session, "sms", PHONE, NOW)
        assert load_state(session, contact) == State()
        save_state(session, contact, state, NOW)

    with session_factory.begin() as session:
        contact = get_or_create_contact_for_update(session, "sms", PHONE, NOW)
        assert load_state(session, contact) == state
        assert (contact.locale, contact.opted_out) == ("es", True)
        later = state.evolve(node_id="consent", opted_out=False)
        save_state(session, contact, later, NOW + timedelta(minutes=1))

    with session_factory() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert (conversation.flow_id, conversation.node_id, conversation.status) == (
            "intake",
            "consent",
            "active",
        )
        assert conversation.updated_at == NOW + timedelta(minutes=1)
        assert session.get_one(Contact, conversation.contact_id).opted_out is False


def test_record_inbound_detects_a_redelivered_message(session_factory: Sessions) -> None:
    contact_id = new_contact(session_factory)
    with session_factory.begin() as session:
        assert record_inbound(session, "sms", "SM123", contact_id, NOW) is True
    with session_factory.begin() as session:
        assert record_inbound(session, "sms", "SM123", contact_id, NOW) is False
        # The transaction is still usable after the duplicate (no aborted transaction on PG).
        assert record_inbound(session, "telegram", "SM123", contact_id, NOW) is True
    assert count(session_factory, InboundMessage) == 2


def test_record_inbound_moves_last_inbound_at_forward_only(session_factory: Sessions) -> None:
    contact_id = new_contact(session_factory)
    later, earlier = NOW + timedelta(minutes=5), NOW + timedelta(minutes=1)
    with session_factory.begin() as session:
        record_inbound(session, "sms", "SM1", contact_id, later)
        record_inbound(session, "sms", "SM2", contact_id, earlier)  # arrived out of order
    with session_factory() as session:
        assert session.get_one(Contact, contact_id).last_inbound_at == later


def test_deleting_a_contact_cascades_to_its_rows(session_factory: Sessions) -> None:
    with session_factory.begin() as session:
        contact = get_or_create_contact_for_update(session, "sms", PHONE, NOW)
        save_state(session, contact, State(), NOW)
        record_inbound(session, "sms", "SM1", contact.id, NOW)
        outbox.enqueue(session, "sms", "k1", {}, NOW, contact_id=contact.id)
    with session_factory.begin() as session:
        session.delete(session.scalars(select(Contact)).one())
    for model in (Conversation, InboundMessage, OutboxMessage):
        assert count(session_factory, model) == 0


def test_a_locked_contact_makes_the_next_message_wait(session_factory: Sessions) -> None:
    """Two messages from one person: the second sees the state the first one wrote."""
    new_contact(session_factory)
    seen: list[State] = []

    def second_message() -> None:
        with session_factory.begin() as session:
            contact = get_or_create_contact_for_update(session, "sms", PHONE, NOW)
            seen.append(load_state(session, contact))

    with session_factory.begin() as session:
        contact = get_or_create_contact_for_update(session, "sms", PHONE, NOW)
        thread = threading.Thread(target=second_message)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the second message did not wait for the lock"
        save_state(session, contact, State(node_id="q1"), NOW)
    thread.join(timeout=30)
    assert [state.node_id for state in seen] == ["q1"]


def test_concurrent_first_messages_create_one_contact(session_factory: Sessions) -> None:
    ids: list[int] = []
    barrier = threading.Barrier(4)

    def first_message() -> None:
        barrier.wait()
        with session_factory.begin() as session:
            ids.append(get_or_create_contact_for_update(session, "sms", "+50930000000", NOW).id)

    threads = [threading.Thread(target=first_message) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(ids) == 4
    assert len(set(ids)) == 1
    assert count(session_factory, Contact) == 1
