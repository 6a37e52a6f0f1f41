"""Messages from one person arriving at the same moment are handled one after the other."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.app import build_services
from bot.core.messages import Address, Inbound
from bot.settings import Settings
from bot.storage import contacts
from bot.storage.models import Contact

LOOP = """\
spec: 1
id: loop
nodes:
  note:
    ask: Tell me more.
    type: text
    next: note
"""
MESSAGES = 8


def test_simultaneous_messages_are_all_applied_in_turn(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").write_text(LOOP, encoding="utf-8")
    services = build_services(replace(settings, flows_dir=tmp_path, start_flow="loop"))
    person = Address("sms", "+15550100")
    try:
        services.conversations.handle(Inbound(person, "hi", datetime.now(UTC), "first"))
        start = threading.Barrier(MESSAGES)
        replies: dict[int, tuple[object, ...]] = {}
        failures: list[BaseException] = []

        def send(number: int) -> None:
            start.wait()
            try:
                inbound = Inbound(person, f"m{number}", datetime.now(UTC), f"sid-{number}")
                replies[number] = services.conversations.handle(inbound)
            except BaseException as error:  # reported below: a thread must not swallow it
                failures.append(error)

        threads = [threading.Thread(target=send, args=(n,)) for n in range(MESSAGES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert failures == []
        assert all(len(reply) == 1 for reply in replies.values()) and len(replies) == MESSAGES
        with services.sessions() as session:
            contact = session.scalars(select(Contact).where(Contact.address == person.id)).one()
            state = contacts.load_state(session, contact)
        # Every message became one answer: none was lost to a concurrent write.
        answered = sorted(str(value) for _, value in state.history)
        assert answered == sorted(f"m{n}" for n in range(MESSAGES))
    finally:
        services.database.dispose()
