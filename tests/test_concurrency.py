"""Messages from one person arriving at the same moment are handled one after the other."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.app import build_services
from bot.core.messages import Address, Inbound
from bot.settings import Settings
from bot.storage import contacts
from bot.storage.models import Contact
from tests.concurrently import all_at_once, loop_settings

MESSAGES = 8


def test_simultaneous_messages_are_all_applied_in_turn(settings: Settings, tmp_path: Path) -> None:
    services = build_services(loop_settings(settings, tmp_path))
    person = Address("sms", "+15550100")
    try:
        services.conversations.handle(Inbound(person, "hi", datetime.now(UTC), "first"))

        def send(number: int) -> tuple[object, ...]:
            inbound = Inbound(person, f"m{number}", datetime.now(UTC), f"sid-{number}")
            return services.conversations.handle(inbound)

        replies, failures = all_at_once(MESSAGES, send, timeout=60)
        assert failures == []
        assert all(len(reply) == 1 for reply in replies.values()) and len(replies) == MESSAGES
        with services.sessions() as session:
            contact = session.scalars(
                select(Contact).where(Contact.address_key == person.id)
            ).one()
            state = contacts.load_state(session, contact)
        # Every message became one answer: none was lost to a concurrent write.
        answered = sorted(str(value) for _, value in state.history)
        assert answered == sorted(f"m{n}" for n in range(MESSAGES))
    finally:
        services.database.dispose()
