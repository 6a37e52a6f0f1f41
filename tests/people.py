"""Two people screened end to end through the database, with values that are theirs alone.

The privacy tests (encryption at rest, DELETE) look for these values in every table, in the
raw database file and in the logs: each one is unusual enough that finding it anywhere means
it leaked from this person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.app import Services
from bot.core.messages import Address, Inbound, Outbound
from tests.conftest import Clock

# The veteran's daughter of tests/test_screening_cases.py, answered by text.
SCREENING_ANSWERS = {
    "consent": "sí",
    "who": "soy su hija",
    "urgent_now": "ninguno",
    "country": "México",
    "year_removed": "hace 7 años",
    "times_removed": "1",
    "removal_kind": "1",
    "lawyer": "no sé",
    "pending": "no",
    "state_lived": "Texas",
    "court_state": "Texas",
    "years_in_us": "unos 25 años",
    "age_at_arrival": "19",
    "prior_status": "1",
    "military": "sí",
    "discharge": "1",
    "va_help": "sí",
    "conviction": "no",
    "us_family": "sí",
    "petition": "no sé",
    "harmed": "ninguno",
    "fear": "no",
    "contact_how": "1",
    "summary": "sí",
    "share": "sí",
}


@dataclass
class Person:
    """Someone writing on one channel, with the values that identify them."""

    channel: str
    address: str
    first_name: str
    message_ids: list[str] = field(default_factory=list)

    @property
    def values(self) -> tuple[str, ...]:
        """Everything of theirs that must never be found in clear, or after DELETE."""
        return (self.address, self.first_name, *self.message_ids)


def say(services: Services, clock: Clock, person: Person, text: str) -> list[Outbound]:
    """`person` sends `text` once, with a fresh provider id; the replies that came back.

    Telegram's replies go through the outbox (as in production), the others come back at once.
    """
    clock.advance(timedelta(seconds=30))
    message_id = f"{person.channel[:2].upper()}{len(person.message_ids):04d}{person.address[-6:]}"
    person.message_ids.append(message_id)
    inbound = Inbound(Address(person.channel, person.address), text, clock(), message_id)
    if person.channel == "telegram":
        services.conversations.queue(inbound)
        return []
    return list(services.conversations.handle(inbound))


def screen(services: Services, clock: Clock, person: Person, stop_at: str | None = None) -> None:
    """Run the Spanish screening for `person` to the end (or until the question `stop_at`).

    The questions are read back from the stored state, so it works on every channel.
    """
    from bot.storage import contacts
    from bot.storage.models import Contact

    answers = {**SCREENING_ANSWERS, "first_name": person.first_name}
    say(services, clock, person, "Hola")
    for _ in range(60):
        with services.sessions() as session:
            contact = session.query(Contact).filter(Contact.address_key == person.address).one()
            state = contacts.load_state(session, contact)
        question = state.node_id
        if question is None or state.status != "active" or question == stop_at:
            return
        if question not in answers:
            raise AssertionError(f"the screening asked {question}, which has no answer here")
        say(services, clock, person, answers[question])
    raise AssertionError("the screening did not end")
