"""HOMEWARD_DELETE_PROVIDER_COPIES: after DELETE, the worker deletes Twilio's records of that
person's messages (through the real twilio client, at the fake API), and nobody else's."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.app import Services
from bot.channel_settings import TwilioSettings
from bot.core.errors import ConfigError
from bot.core.messages import Address
from bot.delivery import twilio_eraser
from bot.delivery.senders import build_senders, close_senders
from bot.delivery.twilio_eraser import ERASE_AFTER, KIND, TwilioEraser, enqueue_erase
from bot.delivery.worker import PermanentFailure, Sender, Worker
from bot.settings import Settings
from bot.storage.models import OutboxMessage
from bot.storage.outbox import OutboxItem
from tests.channels.twilio.conftest import (
    JEAN,
    MARIA,
    SMS_FROM,
    FakeTwilioApi,
    Phone,
)
from tests.test_delete import everything, raw

ROSA = "+5215550001234"  # another woman in Mexico, also by SMS
OTHER_SERVICE = "+15557654321"  # a number of another program on the same Twilio account
ASKED = "Delete everything"
DONE = "Everything you told Homeward"


class ShiftedClock:
    """The worker's clock: real time (the webhook stamps messages with it) plus a skip."""

    def __init__(self) -> None:
        self.shift = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def advance(self, delta: timedelta) -> None:
        self.shift += delta


@pytest.fixture
def erase() -> bool:
    return True  # a test parametrizes `erase` to turn the setting off


@pytest.fixture
def settings(settings: Settings, erase: bool) -> Settings:
    return dataclasses.replace(settings, delete_provider_copies=erase)


@pytest.fixture
def senders(settings: Settings, services: Services) -> Iterator[dict[str, Sender]]:
    built = build_senders(settings, services.sessions, services.directory)
    yield built
    close_senders(built)


@pytest.fixture
def worker_clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
def worker(services: Services, senders: dict[str, Sender], worker_clock: ShiftedClock) -> Worker:
    return Worker(services.sessions, senders, worker_clock, jitter=0.0)


@pytest.fixture
def people(client: FlaskClient, twilio_api: FakeTwilioApi) -> dict[str, Phone]:
    """Maria and Rosa by SMS, Jean on WhatsApp, each a few messages into a conversation."""
    phones = {
        "maria": Phone(client, MARIA, api=twilio_api),
        "rosa": Phone(client, ROSA, api=twilio_api),
        "jean": Phone(client, JEAN, base="whatsapp_text", api=twilio_api),
    }
    for phone in phones.values():
        assert phone.send("hi")[0].startswith("Welcome")
        phone.send("1")
    return phones


def erase_rows(services: Services) -> list[OutboxMessage]:
    with services.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == KIND)))


def delete(phone: Phone) -> None:
    """DELETE, confirmed."""
    assert phone.send("DELETE")[0].startswith(ASKED)
    assert phone.send("yes")[0].startswith(DONE)


@pytest.mark.parametrize("leaving", ["maria", "jean"])
def test_delete_deletes_that_persons_messages_at_twilio_and_nobody_elses(
    leaving: str,
    people: dict[str, Phone],
    services: Services,
    worker: Worker,
    worker_clock: ShiftedClock,
    twilio_api: FakeTwilioApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # the twilio library logs requests at INFO
    caplog.set_level(logging.DEBUG, logger="bot")
    phone = people[leaving]
    # Another program on the same account wrote to the same person: not Homeward's to delete.
    foreign = twilio_api.hold(OTHER_SERVICE, phone.address, "Your appointment is on Monday.")
    others = {name: twilio_api.holds(p.address) for name, p in people.items() if name != leaving}

    delete(phone)

    [row] = erase_rows(services)
    assert row.contact_id is None and row.dedupe_key.startswith("farewell:")
    assert row.payload == {
        "number": phone.number,
        "channel": "sms" if leaving == "maria" else "whatsapp",
    }
    ours = [sid for sid in twilio_api.holds(phone.address) if sid != foreign]
    # Both ways, the confirmation included: hi, its replies, 1, DELETE, yes and theirs.
    assert len(ours) >= 6
    assert worker.run_once() == 0  # not before Twilio is done with the confirmation
    assert twilio_api.deleted == []

    worker_clock.advance(ERASE_AFTER)
    assert worker.run_once() == 1

    assert sorted(twilio_api.deleted) == sorted(ours)
    assert twilio_api.holds(phone.address) == [foreign]
    for name, held in others.items():
        assert twilio_api.holds(people[name].address) == held, name
    assert {only(query, "To") for query in twilio_api.listings if "To" in query} == {phone.address}
    assert {only(query, "From") for query in twilio_api.listings if "From" in query} == {
        phone.address
    }
    assert erase_rows(services) == []  # done: the number went with the row
    for stored in (everything(services), raw(services)):
        assert phone.number not in stored
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "twilio erase" in logged
    for secret in (phone.number, *ours):
        assert secret not in logged


@pytest.mark.parametrize("erase", [False])
def test_with_the_setting_off_nothing_is_queued_or_deleted(
    people: dict[str, Phone],
    services: Services,
    senders: dict[str, Sender],
    worker: Worker,
    worker_clock: ShiftedClock,
    twilio_api: FakeTwilioApi,
) -> None:
    assert KIND not in senders
    delete(people["maria"])

    assert erase_rows(services) == []
    worker_clock.advance(ERASE_AFTER)
    worker.run_once()
    assert twilio_api.deleted == [] and twilio_api.listings == []


def test_telegram_and_console_people_have_nothing_at_twilio(services: Services) -> None:
    now = datetime.now(UTC)
    with services.sessions.begin() as session:
        assert not enqueue_erase(session, Address("telegram", "987654321012"), now)
        assert not enqueue_erase(session, Address("memory", "person-1"), now)
    assert erase_rows(services) == []


@pytest.mark.parametrize("failure", ["429", "500"])
def test_twilio_busy_while_listing_is_retried(
    failure: str,
    people: dict[str, Phone],
    services: Services,
    worker: Worker,
    worker_clock: ShiftedClock,
    twilio_api: FakeTwilioApi,
) -> None:
    maria = people["maria"]
    delete(maria)
    twilio_api.answer_next(failure, method="GET")

    worker_clock.advance(ERASE_AFTER)
    tried_at = worker_clock()
    worker.run_once()
    [row] = erase_rows(services)
    assert (row.status, row.last_error) == ("failed", f"twilio-http-{failure}")
    if failure == "429":
        assert row.next_attempt_at >= tried_at + timedelta(seconds=7)  # Retry-After
    assert twilio_api.deleted == []

    worker_clock.advance(row.next_attempt_at - worker_clock() + timedelta(seconds=1))
    assert worker.run_once() == 1
    assert twilio_api.holds(maria.address) == []
    assert erase_rows(services) == []


@pytest.mark.parametrize("failure", ["429", "500"])
def test_twilio_busy_while_deleting_is_retried_and_the_rest_deleted_later(
    failure: str,
    people: dict[str, Phone],
    services: Services,
    worker: Worker,
    worker_clock: ShiftedClock,
    twilio_api: FakeTwilioApi,
) -> None:
    maria = people["maria"]
    delete(maria)
    held = twilio_api.holds(maria.address)
    twilio_api.answer_next("200", "200", failure, method="DELETE")  # the third one fails

    worker_clock.advance(ERASE_AFTER)
    worker.run_once()
    [row] = erase_rows(services)
    assert (row.status, row.last_error) == ("failed", f"twilio-http-{failure}")
    assert len(twilio_api.deleted) == 3 and len(twilio_api.holds(maria.address)) == len(held) - 2

    worker_clock.advance(row.next_attempt_at - worker_clock() + timedelta(seconds=1))
    assert worker.run_once() == 1
    assert twilio_api.holds(maria.address) == []
    assert erase_rows(services) == []


def test_a_message_twilio_is_not_done_with_is_deleted_on_a_later_attempt(
    people: dict[str, Phone],
    services: Services,
    worker: Worker,
    worker_clock: ShiftedClock,
    twilio_api: FakeTwilioApi,
) -> None:
    maria = people["maria"]
    delete(maria)
    held = twilio_api.holds(maria.address)
    twilio_api.answer_next("20009", method="DELETE")  # still sending: Twilio error 20009

    worker_clock.advance(ERASE_AFTER)
    tried_at = worker_clock()
    worker.run_once()
    [row] = erase_rows(services)
    assert (row.status, row.last_error) == ("failed", "twilio-20009")
    assert row.next_attempt_at >= tried_at + timedelta(seconds=60)  # as Twilio asks
    [waiting] = twilio_api.holds(maria.address)  # every other one went in the same attempt
    assert waiting in held

    worker_clock.advance(row.next_attempt_at - worker_clock() + timedelta(seconds=1))
    assert worker.run_once() == 1
    assert twilio_api.holds(maria.address) == []
    assert erase_rows(services) == []


def test_a_message_already_gone_counts_as_deleted(
    people: dict[str, Phone],
    services: Services,
    worker: Worker,
    worker_clock: ShiftedClock,
    twilio_api: FakeTwilioApi,
) -> None:
    maria = people["maria"]
    delete(maria)
    twilio_api.answer_next("404", method="DELETE")  # deleted in the Console meanwhile

    worker_clock.advance(ERASE_AFTER)
    assert worker.run_once() == 1

    assert twilio_api.holds(maria.address) == []
    assert erase_rows(services) == []  # done in one attempt, no retry


def test_many_messages_are_listed_page_by_page(
    people: dict[str, Phone],
    services: Services,
    worker: Worker,
    worker_clock: ShiftedClock,
    twilio_api: FakeTwilioApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(twilio_eraser, "PAGE_SIZE", 3)
    maria = people["maria"]
    for number in range(7):
        maria.send(f"message {number}")
    delete(maria)
    held = twilio_api.holds(maria.address)
    assert len(held) > 20

    worker_clock.advance(ERASE_AFTER)
    assert worker.run_once() == 1

    assert sorted(twilio_api.deleted) == sorted(held)
    assert any("PageToken" in query for query in twilio_api.listings)
    assert twilio_api.holds(maria.address) == []


def test_a_long_history_is_deleted_over_several_attempts(
    people: dict[str, Phone],
    services: Services,
    worker: Worker,
    worker_clock: ShiftedClock,
    twilio_api: FakeTwilioApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(twilio_eraser, "MOST_PER_ATTEMPT", 5)
    maria = people["maria"]
    delete(maria)
    held = twilio_api.holds(maria.address)
    assert len(held) > 5

    worker_clock.advance(ERASE_AFTER)
    assert worker.run_once() == 1
    [row] = erase_rows(services)
    assert (row.status, row.last_error) == ("failed", "twilio-erase-more")
    assert len(twilio_api.deleted) == 5

    while erase_rows(services):
        worker_clock.advance(timedelta(hours=1))
        assert worker.run_once() == 1
    assert sorted(twilio_api.deleted) == sorted(held)


def test_with_a_messaging_service_its_messages_are_homewards(
    twilio: TwilioSettings, twilio_api: FakeTwilioApi
) -> None:
    service = "MG" + "9d" * 16
    settings = dataclasses.replace(twilio, sms_from=None, messaging_service_sid=service)
    pool = "+15005550007"  # a number of the service's pool
    sent = twilio_api.hold(pool, MARIA, "Welcome", messaging_service_sid=service)
    received = twilio_api.hold(MARIA, pool, "hi", messaging_service_sid=service)
    elsewhere = twilio_api.hold(SMS_FROM, MARIA, "Not from the service")
    eraser = TwilioEraser(settings)
    try:
        item = OutboxItem(1, KIND, "farewell:x", {"number": MARIA, "channel": "sms"}, 1)
        assert eraser.send(item) is None
    finally:
        eraser.close()
    assert sorted(twilio_api.deleted) == sorted([sent, received])
    assert twilio_api.holds(MARIA) == [elsewhere]


def test_a_payload_without_a_number_is_dead(twilio: TwilioSettings) -> None:
    eraser = TwilioEraser(twilio)
    try:
        with pytest.raises(PermanentFailure, match="twilio-erase-bad-payload"):
            eraser.send(OutboxItem(1, KIND, "farewell:x", {"channel": "sms"}, 1))
    finally:
        eraser.close()


def test_the_setting_is_off_unless_turned_on() -> None:
    assert not Settings.from_env({}).delete_provider_copies
    assert Settings.from_env({"HOMEWARD_DELETE_PROVIDER_COPIES": "true"}).delete_provider_copies
    with pytest.raises(ConfigError, match="HOMEWARD_DELETE_PROVIDER_COPIES"):
        Settings.from_env({"HOMEWARD_DELETE_PROVIDER_COPIES": "perhaps"})


def only(query: dict[str, list[str]], name: str) -> str:
    [value] = query[name]
    return value
