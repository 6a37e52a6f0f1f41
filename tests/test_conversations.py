"""What the database keeps: only valid answers, text in any script intact, one turn per message."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import Services
from bot.channels.memory import MemoryChannel
from bot.core.state import State
from bot.storage import contacts
from bot.storage.models import Contact, InboundMessage


def stored_state(services: Services, address: str = "person-1") -> State:
    with services.sessions.begin() as session:
        contact = session.scalars(select(Contact).where(Contact.address_key == address)).one()
        return contacts.load_state(session, contact)


def reach_the_note(person: MemoryChannel) -> None:
    for text in ("hi", "1", "1", "Mexico", "no", "2010", "20", "10", "CA"):
        person.send(text)


def test_bad_answers_are_never_stored(person: MemoryChannel, services: Services) -> None:
    reach_the_note(person)
    person.send("x" * 10_000)
    state = stored_state(services)
    assert state.node_id == "note" and "note" not in state.answers
    assert state.answers["year_removed"] == 2010 and state.answers["country"] == "MX"


def test_right_to_left_and_mixed_scripts_are_stored_intact(
    person: MemoryChannel, services: Services
) -> None:
    reach_the_note(person)
    text = "أطفالي في سان دييغو 👨‍👧 — ילדים, 孩子 in San Diego"
    person.send(text)
    assert stored_state(services).answers["note"] == text


def test_a_redelivered_message_is_handled_once(person: MemoryChannel, services: Services) -> None:
    assert person.send("hi", provider_id="SM1")
    assert person.send("1", provider_id="SM2")
    before = stored_state(services)
    assert person.send("1", provider_id="SM2") == []
    assert stored_state(services) == before
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 2


def test_delete_confirmed_erases_the_contact_and_everything_with_it(
    person: MemoryChannel, services: Services
) -> None:
    reach_the_note(person)
    assert person.send("DELETE")[0].startswith("Delete everything")
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 1  # not yet
    assert person.send("yes")[0].startswith("Everything you told Homeward")
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0
    assert person.send("hi")[0].startswith("Welcome")  # a stranger again


def test_delete_after_stop_erases_silently(person: MemoryChannel, services: Services) -> None:
    reach_the_note(person)
    person.send("STOP")
    assert person.send("delete") == []  # no confirmation: STOP asked for silence
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_message_text_is_not_logged(person: MemoryChannel, caplog: object) -> None:
    import logging

    import pytest

    assert isinstance(caplog, pytest.LogCaptureFixture)
    with caplog.at_level(logging.DEBUG):
        reach_the_note(person)
        person.send("my secret story +15551234567")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "turn contact=" in logged
    for secret in ("secret", "+1555", "Mexico", "person-1"):
        assert secret not in logged
