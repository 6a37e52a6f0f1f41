"""Delivery reports over POST /hooks/twilio/status: signed, never backwards, 21610 is STOP."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from bot.app import Services
from bot.channel_settings import TwilioSettings
from bot.core.messages import Address, Outbound
from bot.delivery import chat
from bot.delivery.twilio_sender import TwilioSender
from bot.delivery.worker import Worker
from bot.storage import contacts
from bot.storage.models import OutboxMessage
from tests.channels.twilio.conftest import (
    AUTH_TOKEN,
    MARIA,
    PUBLIC_URL,
    FakeTwilioApi,
    Phone,
    contact,
    payload,
    post_signed,
    signature,
)
from tests.conftest import Clock
from tests.keys import TEST_KEYRING

STATUS = "/hooks/twilio/status"


def send_notice(
    services: Services, clock: Clock, twilio: TwilioSender, api: FakeTwilioApi
) -> tuple[int, str]:
    """Queue a notice to Maria and let the worker send it; returns its outbox id and SID."""
    with services.sessions.begin() as session:
        person = contacts.get_or_create_contact_for_update(session, "sms", MARIA, clock.now)
        chat.enqueue_replies(
            session,
            person.id,
            Address("sms", MARIA),
            [Outbound("The clinic accepted your case.")],
            uuid.uuid4().hex,
            clock.now,
        )
    assert Worker(services.sessions, {"sms": twilio}, clock).run_once() == 1
    with services.sessions() as session:
        row = session.query(OutboxMessage).one()
        # The SID is kept as a fingerprint: only Twilio's answer has it in clear.
        sid = api.sids[-1]
        assert row.provider_id == TEST_KEYRING.fingerprint(sid)
        return row.id, sid


@pytest.fixture
def sms_sender(services: Services, twilio: TwilioSettings) -> Iterator[TwilioSender]:
    sender = TwilioSender(twilio, PUBLIC_URL, services.sessions, "sms")
    yield sender
    sender.close()


def report(client: FlaskClient, name: str, sid: str) -> str:
    """Twilio posting the recorded status callback `name` about message `sid`."""
    answer = post_signed(client, STATUS, payload(name, MessageSid=sid, SmsSid=sid))
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def delivery(services: Services, outbox_id: int) -> tuple[str | None, int, str | None]:
    with services.sessions() as session:
        row = session.get_one(OutboxMessage, outbox_id)
        return row.delivery_status, row.delivery_rank, row.delivery_error


def test_reports_that_arrive_out_of_order_never_move_the_status_back(
    client: FlaskClient,
    services: Services,
    clock: Clock,
    sms_sender: TwilioSender,
    twilio_api: FakeTwilioApi,
) -> None:
    outbox_id, sid = send_notice(services, clock, sms_sender, twilio_api)

    assert report(client, "status_delivered", sid) == ""  # 200, empty body
    assert report(client, "status_sent", sid) == ""  # late, and older

    assert delivery(services, outbox_id) == ("delivered", 5, None)


def test_a_report_of_21610_on_a_sent_message_marks_the_person_opted_out(
    client: FlaskClient,
    services: Services,
    clock: Clock,
    sms_sender: TwilioSender,
    twilio_api: FakeTwilioApi,
) -> None:
    outbox_id, sid = send_notice(services, clock, sms_sender, twilio_api)

    report(client, "status_failed_21610", sid)

    assert delivery(services, outbox_id) == ("failed", 4, "twilio-21610")
    assert contact(services, "sms", MARIA).opted_out


def test_a_report_of_21610_on_a_twiml_reply_finds_the_person_by_number(
    client: FlaskClient, services: Services, maria: Phone
) -> None:
    maria.send("Hola")  # answered with TwiML: Homeward never learns that reply's SID
    report(client, "status_failed_21610", "SM" + uuid.uuid4().hex)

    assert contact(services, "sms", MARIA).opted_out
    assert maria.send("1") == []


def test_an_undelivered_message_is_recorded_and_logged_without_personal_data(
    client: FlaskClient,
    services: Services,
    clock: Clock,
    sms_sender: TwilioSender,
    twilio_api: FakeTwilioApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox_id, sid = send_notice(services, clock, sms_sender, twilio_api)
    caplog.set_level(logging.INFO, logger="bot.channels.twilio")

    report(client, "status_undelivered_30003", sid)

    assert delivery(services, outbox_id) == ("undelivered", 4, "twilio-30003")
    assert not contact(services, "sms", MARIA).opted_out
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.channels.twilio"]
    assert line == f"twilio delivery undelivered: outbox {outbox_id} error=twilio-30003"
    assert sid not in caplog.text and MARIA not in caplog.text


@pytest.mark.parametrize("case", ["wrong token", "tampered status", "missing header"])
def test_a_forged_report_gets_403_and_changes_nothing(
    case: str,
    client: FlaskClient,
    services: Services,
    clock: Clock,
    sms_sender: TwilioSender,
    twilio_api: FakeTwilioApi,
) -> None:
    outbox_id, sid = send_notice(services, clock, sms_sender, twilio_api)
    form = payload("status_failed_21610", MessageSid=sid, SmsSid=sid)
    if case == "wrong token":
        headers = {"X-Twilio-Signature": signature(STATUS, form, token=AUTH_TOKEN[::-1])}
    elif case == "tampered status":
        headers = {"X-Twilio-Signature": signature(STATUS, {**form, "MessageStatus": "sent"})}
    else:
        headers = {}

    assert client.post(STATUS, data=form, headers=headers).status_code == 403
    assert delivery(services, outbox_id) == (None, 0, None)
    assert not contact(services, "sms", MARIA).opted_out


def test_a_report_on_an_unknown_message_or_status_is_accepted(client: FlaskClient) -> None:
    assert report(client, "status_delivered", "SM" + uuid.uuid4().hex) == ""
    form = payload("status_sent", MessageStatus="receiving")
    assert post_signed(client, STATUS, form).status_code == 200


def test_an_unreadable_report_is_refused(client: FlaskClient) -> None:
    form = {k: v for k, v in payload("status_sent").items() if k != "MessageStatus"}
    answer = post_signed(client, STATUS, form)
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "MessageStatus is missing"}
