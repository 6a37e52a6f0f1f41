"""The outbox worker sending SMS and WhatsApp through the real twilio client to a fake API."""

from __future__ import annotations

import dataclasses
import json
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.app import Services
from bot.channel_settings import TwilioSettings
from bot.core.errors import ConfigError
from bot.core.messages import Address, Choice, Outbound
from bot.delivery import chat, twilio_sender
from bot.delivery.twilio_sender import TwilioSender, retry_after_seconds, window_open
from bot.delivery.worker import DEFAULT_BACKOFF, Worker
from bot.storage import contacts
from bot.storage.models import Contact, OutboxMessage
from tests.channels.twilio.conftest import (
    ACCOUNT_SID,
    JEAN,
    MARIA,
    PUBLIC_URL,
    SMS_FROM,
    TEMPLATE_SID,
    WHATSAPP_FROM,
    FakeTwilioApi,
    Phone,
    contact,
)
from tests.conftest import Clock
from tests.keys import TEST_KEYRING

NOTICE = "A partner, Al Otro Lado, accepted your case. They will write to you this week."
STATUS_CALLBACK = PUBLIC_URL + "/hooks/twilio/status"


@pytest.fixture
def senders(twilio: TwilioSettings, services: Services) -> Iterator[dict[str, TwilioSender]]:
    built = {
        kind: TwilioSender(twilio, PUBLIC_URL, services.sessions, kind)
        for kind in ("sms", "whatsapp")
    }
    yield built
    for sender in built.values():
        sender.close()


@pytest.fixture
def worker(services: Services, senders: dict[str, TwilioSender], clock: Clock) -> Worker:
    return Worker(services.sessions, senders, clock)


def queue(
    services: Services,
    clock: Clock,
    channel: str,
    number: str,
    text: str = NOTICE,
    choices: tuple[Choice, ...] = (),
    last_inbound_at: datetime | None = None,
) -> list[int]:
    """Queue a proactive message to `number` as the app does; returns the outbox ids."""
    with services.sessions.begin() as session:
        person = contacts.get_or_create_contact_for_update(session, channel, number, clock.now)
        person.last_inbound_at = last_inbound_at
        chat.enqueue_replies(
            session,
            person.id,
            Address(channel, number),
            [Outbound(text, choices)],
            uuid.uuid4().hex,
            clock.now,
        )
        return list(
            session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.contact_id == person.id)
                .where(~OutboxMessage.dedupe_key.startswith("reminder:"))
                .order_by(OutboxMessage.id)
            )
        )


def row(services: Services, outbox_id: int) -> OutboxMessage:
    with services.sessions() as session:
        return session.get_one(OutboxMessage, outbox_id)


def only(form: dict[str, list[str]], name: str) -> str:
    values = form[name]
    assert len(values) == 1
    return values[0]


# -- SMS -----------------------------------------------------------------------------------------


def test_a_notice_is_sent_by_sms_and_its_sid_kept(
    services: Services, worker: Worker, twilio_api: FakeTwilioApi, clock: Clock
) -> None:
    choices = (Choice("yes", "Yes"), Choice("no", "No"))
    [outbox_id] = queue(services, clock, "sms", MARIA, NOTICE + " Do you agree?", choices)

    assert worker.run_once() == 1

    [form] = twilio_api.messages
    assert only(form, "To") == MARIA and only(form, "From") == SMS_FROM
    assert only(form, "Body") == NOTICE + " Do you agree?\n1. Yes\n2. No"
    assert only(form, "StatusCallback") == STATUS_CALLBACK
    assert only(form, "SmartEncoded") == "true"
    assert "ContentSid" not in form and "MessagingServiceSid" not in form
    sent = row(services, outbox_id)
    assert sent.status == "sent" and sent.provider_id is not None
    # Kept as a fingerprint of the SID Twilio gave, never the SID itself.
    assert sent.provider_id == TEST_KEYRING.fingerprint(twilio_api.sids[-1])


def test_with_a_messaging_service_twilio_picks_the_number(
    twilio: TwilioSettings, services: Services, twilio_api: FakeTwilioApi, clock: Clock
) -> None:
    service = dataclasses.replace(twilio, sms_from=None, messaging_service_sid="MG" + "9d" * 16)
    sender = TwilioSender(service, PUBLIC_URL, services.sessions, "sms")
    try:
        queue(services, clock, "sms", MARIA)
        assert Worker(services.sessions, {"sms": sender}, clock).run_once() == 1
    finally:
        sender.close()
    [form] = twilio_api.messages
    assert only(form, "MessagingServiceSid") == "MG" + "9d" * 16 and "From" not in form


def test_a_long_message_goes_in_parts_in_order(
    services: Services, worker: Worker, twilio_api: FakeTwilioApi, clock: Clock
) -> None:
    text = " ".join(f"Paragraph {n}: the clinic needs your documents." for n in range(60))
    ids = queue(services, clock, "sms", MARIA, text)
    assert len(ids) == 2

    while worker.run_once():
        pass

    bodies = [only(form, "Body") for form in twilio_api.messages]
    assert len(bodies) == 2 and all(len(body) <= 1600 for body in bodies)
    assert " ".join(bodies) == text
    assert [row(services, i).status for i in ids] == ["sent", "sent"]


def test_too_many_requests_waits_at_least_as_long_as_twilio_asks(
    services: Services, worker: Worker, twilio_api: FakeTwilioApi, clock: Clock
) -> None:
    [outbox_id] = queue(services, clock, "sms", MARIA)
    twilio_api.answer_next("429")

    worker.run_once()
    failed = row(services, outbox_id)
    assert (failed.status, failed.last_error) == ("failed", "twilio-http-429")
    assert failed.next_attempt_at >= clock.now + timedelta(seconds=7)
    assert failed.next_attempt_at > clock.now + DEFAULT_BACKOFF[0] * 1.2  # Retry-After won

    clock.advance(failed.next_attempt_at - clock.now - timedelta(seconds=1))
    assert worker.run_once() == 0
    clock.advance(timedelta(seconds=1))
    assert worker.run_once() == 1
    assert row(services, outbox_id).status == "sent"
    assert len(twilio_api.messages) == 2


def test_a_server_error_is_retried(
    services: Services, worker: Worker, twilio_api: FakeTwilioApi, clock: Clock
) -> None:
    [outbox_id] = queue(services, clock, "sms", MARIA)
    twilio_api.answer_next("500")

    worker.run_once()
    failed = row(services, outbox_id)
    assert (failed.status, failed.last_error) == ("failed", "twilio-http-500")

    clock.advance(failed.next_attempt_at - clock.now)
    worker.run_once()
    assert row(services, outbox_id).status == "sent"


def test_a_slow_api_times_out_and_is_retried(
    services: Services,
    twilio: TwilioSettings,
    twilio_api: FakeTwilioApi,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(twilio_sender, "TIMEOUT_SECONDS", 0.3)
    sender = TwilioSender(twilio, PUBLIC_URL, services.sessions, "sms")
    worker = Worker(services.sessions, {"sms": sender}, clock)
    [outbox_id] = queue(services, clock, "sms", MARIA)
    twilio_api.answer_next("slow")
    try:
        worker.run_once()
        failed = row(services, outbox_id)
        assert (failed.status, failed.last_error) == ("failed", "twilio-timeout")

        clock.advance(failed.next_attempt_at - clock.now)
        worker.run_once()
    finally:
        sender.close()
    assert row(services, outbox_id).status == "sent"


def test_an_unreachable_api_is_retried(
    services: Services, twilio: TwilioSettings, clock: Clock
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    settings = dataclasses.replace(twilio, api_url=closed)
    sender = TwilioSender(settings, PUBLIC_URL, services.sessions, "sms")
    [outbox_id] = queue(services, clock, "sms", MARIA)
    try:
        Worker(services.sessions, {"sms": sender}, clock).run_once()
    finally:
        sender.close()
    failed = row(services, outbox_id)
    assert (failed.status, failed.last_error) == ("failed", "twilio-connection")


def test_twilio_21610_means_the_person_opted_out(
    services: Services, worker: Worker, twilio_api: FakeTwilioApi, clock: Clock, maria: Phone
) -> None:
    maria.send("Hola")  # the person wrote once, then sent STOP straight to Twilio
    [outbox_id] = queue(services, clock, "sms", MARIA, last_inbound_at=clock.now)
    twilio_api.answer_next("21610")

    worker.run_once()

    dead = row(services, outbox_id)
    assert (dead.status, dead.last_error, dead.attempts) == ("dead", "twilio-21610", 1)
    assert contact(services, "sms", MARIA).opted_out
    assert maria.send("1") == []  # Homeward stays silent too


def test_an_invalid_number_is_not_retried(
    services: Services, worker: Worker, twilio_api: FakeTwilioApi, clock: Clock
) -> None:
    [outbox_id] = queue(services, clock, "sms", MARIA)
    twilio_api.answer_next("21211")

    worker.run_once()

    dead = row(services, outbox_id)
    assert (dead.status, dead.last_error) == ("dead", "twilio-21211")
    assert not contact(services, "sms", MARIA).opted_out


def test_nothing_goes_to_someone_who_opted_out_since(
    services: Services, worker: Worker, twilio_api: FakeTwilioApi, clock: Clock
) -> None:
    [outbox_id] = queue(services, clock, "sms", MARIA)
    with services.sessions.begin() as session:
        session.execute(update(Contact).values(opted_out=True))

    worker.run_once()

    assert (row(services, outbox_id).status, twilio_api.messages) == ("dead", [])


def test_stray_twilio_environment_variables_change_nothing(
    services: Services,
    twilio: TwilioSettings,
    twilio_api: FakeTwilioApi,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    monkeypatch.setenv("TWILIO_REGION", "au1")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    sender = TwilioSender(twilio, PUBLIC_URL, services.sessions, "sms")
    [outbox_id] = queue(services, clock, "sms", MARIA)
    try:
        Worker(services.sessions, {"sms": sender}, clock).run_once()
    finally:
        sender.close()
    assert row(services, outbox_id).status == "sent"
    assert twilio_api.received[0].path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


# -- WhatsApp and its 24-hour window -------------------------------------------------------------


def test_whatsapp_inside_the_window_sends_the_text(
    services: Services, worker: Worker, twilio_api: FakeTwilioApi, clock: Clock
) -> None:
    wrote = datetime.now(UTC) - timedelta(hours=23)
    [outbox_id] = queue(services, clock, "whatsapp", JEAN, last_inbound_at=wrote)

    worker.run_once()

    [form] = twilio_api.messages
    assert only(form, "To") == "whatsapp:" + JEAN and only(form, "From") == WHATSAPP_FROM
    assert only(form, "Body") == NOTICE and "ContentSid" not in form
    assert only(form, "StatusCallback") == STATUS_CALLBACK
    assert row(services, outbox_id).status == "sent"


@pytest.mark.parametrize("hours_ago", [25, None])
def test_whatsapp_outside_the_window_sends_the_template_never_text(
    hours_ago: int | None,
    services: Services,
    worker: Worker,
    twilio_api: FakeTwilioApi,
    clock: Clock,
) -> None:
    wrote = None if hours_ago is None else datetime.now(UTC) - timedelta(hours=hours_ago)
    [outbox_id] = queue(services, clock, "whatsapp", JEAN, last_inbound_at=wrote)

    worker.run_once()

    [form] = twilio_api.messages
    assert only(form, "ContentSid") == TEMPLATE_SID
    assert json.loads(only(form, "ContentVariables")) == {"1": "Homeward"}
    assert "Body" not in form
    assert row(services, outbox_id).status == "sent"


def test_whatsapp_outside_the_window_without_a_template_sends_nothing(
    twilio: TwilioSettings, services: Services, twilio_api: FakeTwilioApi, clock: Clock
) -> None:
    no_template = dataclasses.replace(twilio, whatsapp_template_sid=None)
    sender = TwilioSender(no_template, PUBLIC_URL, services.sessions, "whatsapp")
    wrote = datetime.now(UTC) - timedelta(days=3)
    [outbox_id] = queue(services, clock, "whatsapp", JEAN, last_inbound_at=wrote)
    try:
        Worker(services.sessions, {"whatsapp": sender}, clock).run_once()
    finally:
        sender.close()
    dead = row(services, outbox_id)
    assert (dead.status, dead.last_error) == ("dead", "whatsapp-window-closed")
    assert twilio_api.messages == []


def test_a_whatsapp_message_after_the_person_wrote_goes_as_text(
    services: Services, worker: Worker, twilio_api: FakeTwilioApi, clock: Clock, jean: Phone
) -> None:
    jean.send("Bonjou")  # the webhook records when Jean last wrote
    [outbox_id] = queue(
        services,
        clock,
        "whatsapp",
        JEAN,
        last_inbound_at=contact(services, "whatsapp", JEAN).last_inbound_at,
    )
    worker.run_once()
    [form] = twilio_api.messages
    assert only(form, "Body") == NOTICE and row(services, outbox_id).status == "sent"


# -- small pieces --------------------------------------------------------------------------------


def test_the_window_closes_a_little_before_24_hours() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert window_open(now - timedelta(hours=23, minutes=50), now)
    assert not window_open(now - timedelta(hours=23, minutes=58), now)
    assert not window_open(None, now)


def test_retry_after_is_read_as_seconds_or_a_date() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds("Mon, 23 Nov 2026 12:00:30 GMT", now) == 30.0
    for useless in (None, "", "soon", "-3", "nan", "Mon, 23 Nov 2026 11:00:00 GMT"):
        assert retry_after_seconds(useless, now) is None


def test_a_sender_for_another_kind_is_a_configuration_error(
    twilio: TwilioSettings, services: Services
) -> None:
    with pytest.raises(ConfigError, match="sms or whatsapp"):
        TwilioSender(twilio, PUBLIC_URL, services.sessions, "telegram")
