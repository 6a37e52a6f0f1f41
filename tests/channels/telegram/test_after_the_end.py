"""A button pressed after the conversation ended: a short notice, never a new screening."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Services
from bot.delivery.worker import Worker
from bot.storage import contacts
from bot.storage.models import Contact, OutboxMessage
from tests.channels.telegram.conftest import TelegramPerson, assert_lines, deliver

ENDED = "This conversation has ended. Send START to begin again."


def reminders_due(services: Services) -> list[OutboxMessage]:
    """Reminders the worker would still send."""
    with services.sessions() as session:
        query = select(OutboxMessage).where(
            OutboxMessage.dedupe_key.startswith("reminder:"),
            OutboxMessage.status.in_(("pending", "failed")),
        )
        return list(session.scalars(query))


def screen_to_the_end(maria: TelegramPerson, worker: Worker) -> None:
    maria.says("/start")
    deliver(worker)
    maria.taps("I was deported")
    maria.says("Mexico")
    deliver(worker)
    maria.taps("No")
    for text in ("2010", "20", "10", "CA", "skip"):
        maria.says(text)
    deliver(worker)
    assert maria.reads()[-1].startswith("Thank you. You are in Mexico")


def test_old_buttons_pressed_after_the_end_get_a_notice_and_start_nothing(
    maria: TelegramPerson, worker: Worker, services: Services
) -> None:
    screen_to_the_end(maria, worker)
    with services.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        ended = contacts.load_state(session, contact)
    assert ended.status == "done" and reminders_due(services) == []
    served = next(m for m in maria.messages() if m.text.startswith("Did you serve"))

    maria.taps("No", on=served)  # pressed a second time, long after the end
    maria.taps("I was deported", on=maria.messages()[1])  # and the very first keyboard
    deliver(worker)
    assert maria.reads() == [ENDED, ENDED]
    with services.sessions() as session:
        state = contacts.load_state(session, session.scalars(select(Contact)).one())
    assert (state.status, state.started_at, state.answers) == (
        "done",
        ended.started_at,
        ended.answers,
    )
    assert reminders_due(services) == []

    maria.says("/start")  # START still begins again, as the notice says
    deliver(worker)
    assert_lines(maria.reads()[:2], ["Welcome to Homeward.", "Who is writing?"])
    assert len(reminders_due(services)) == 1  # the new run, waiting at its first question
