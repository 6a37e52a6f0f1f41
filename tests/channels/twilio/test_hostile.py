"""Signed but hostile Twilio requests: a clear 4xx, nothing stored, nothing personal logged."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.app import Services
from bot.storage.models import Contact, InboundMessage, OutboxMessage
from tests.channels.twilio.conftest import (
    MARIA,
    Phone,
    count,
    new_sid,
    payload,
    post_signed,
    twiml_messages,
)

WHO = "Who is writing?\n1. I was deported\n2. A family member\n3. An advocate or lawyer"
COUNTRY = "In which country are you now?"
NOTE = "Your message was very long: I read only the beginning."
STATUS = "/hooks/twilio/status"


def nothing_stored(services: Services) -> bool:
    with services.sessions() as session:
        models = (Contact, InboundMessage, OutboxMessage)
        return all(session.scalar(select(func.count()).select_from(m)) == 0 for m in models)


SENDERS = [
    "+52555\x00550123",  # was a 500 on PostgreSQL
    "\x00",
    "whatsapp:+52555\x00550123",
    "5255550123",  # stored before, with SMS reminders queued to it that could never go
    "+52 55 5555 0123",
    "+٥٢٥٥٥٥٥٥٠١٢٣",
    "whatsapp:",
    "whatsapp:whatsapp:+525555550123",
    "messenger:1234567890",
    "None",
    "+5" + "5" * 20,
    "",
]
SIDS = [
    "SM" + "\x00" * 32,  # was a 500 on PostgreSQL
    "SM1313131313131313131313131313131\x00",
    "SM13",
    "sm" + "13" * 16,
    "SM" + "G" * 32,
    "SM" + "13" * 16 + "\n",
    "SM" + "1" * 100,
]


def test_a_sender_that_is_not_an_e164_number_is_refused(
    client: FlaskClient, services: Services
) -> None:
    for sender in SENDERS:
        answer = post_signed(client, "/hooks/twilio", payload("sms_text", From=sender))
        assert answer.status_code == 400 and "error" in answer.get_json(), repr(sender)
    assert nothing_stored(services)


def test_a_message_sid_that_is_not_a_twilio_sid_is_refused(
    client: FlaskClient, services: Services
) -> None:
    for sid in SIDS:
        form = payload("sms_text", MessageSid=sid, SmsSid=sid, SmsMessageSid=sid)
        answer = post_signed(client, "/hooks/twilio", form)
        assert answer.status_code == 400, repr(sid)
        assert answer.get_json() == {"error": "MessageSid is not a Twilio message SID"}
    assert nothing_stored(services)


def test_a_body_over_the_webhook_limit_gets_413_and_nothing_is_stored(
    client: FlaskClient, services: Services
) -> None:
    # Signed or not, it is refused before the signature check reads the form.
    answer = post_signed(client, "/hooks/twilio", payload("sms_text", Body="x" * 70_000))
    assert answer.status_code == 413 and "larger than" in answer.get_json()["error"]
    report = payload("status_sent", Body="x" * 70_000)
    assert post_signed(client, STATUS, report).status_code == 413
    assert nothing_stored(services)


def test_control_characters_in_the_text_are_dropped_and_the_message_read(maria: Phone) -> None:
    assert maria.send("Hola\x00\x1b")[1] == WHO
    assert maria.send("\x002\x07\r\n") == [COUNTRY]


def test_a_text_longer_than_the_limit_is_answered_with_a_note_first(
    maria: Phone, services: Services
) -> None:
    replies = maria.send("Hola " * 1000)
    assert replies[0].startswith(NOTE + "\nWelcome to Homeward.") and replies[1] == WHO
    # The next message is not long: no note.
    assert maria.send("2") == [COUNTRY]
    assert count(services, Contact) == 1


def test_a_malformed_status_report_is_refused(client: FlaskClient, services: Services) -> None:
    for changes in (
        {"MessageSid": "SM" + "\x00" * 32},
        {"MessageSid": ""},
        {"MessageStatus": ""},
        {"MessageStatus": "deliv\x00ered"},
        {"MessageStatus": "x" * 100},
    ):
        answer = post_signed(client, STATUS, payload("status_failed_21610", **changes))
        assert answer.status_code == 400 and "error" in answer.get_json(), changes
    assert nothing_stored(services)


def test_a_report_to_a_junk_number_is_taken_without_finding_anyone(
    maria: Phone, client: FlaskClient, services: Services
) -> None:
    maria.send("Hola")
    for to in ("\x00", "+52555\x00550123", "not a number", "whatsapp:"):
        report = payload("status_failed_21610", To=to, MessageSid=new_sid())
        assert post_signed(client, STATUS, report).status_code == 200, repr(to)
    with services.sessions() as session:
        assert not session.query(Contact).one().opted_out


def test_refusals_log_a_reason_code_and_nothing_of_the_request(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    post_signed(client, "/hooks/twilio", payload("sms_text", From=MARIA + "\x00"))
    post_signed(client, "/hooks/twilio", payload("sms_text", From=MARIA, MessageSid="SM-secret"))
    post_signed(client, STATUS, payload("status_sent", MessageStatus="secret-status-9"))
    logged = caplog.text
    assert "reason=address-not-e164" in logged and "reason=sid-malformed" in logged
    assert "reason=status-malformed" in logged
    for value in (MARIA, MARIA[1:], "SM-secret", "secret-status", "Hola"):
        assert value not in logged


def test_a_refused_request_leaves_the_conversation_as_it_was(
    maria: Phone, client: FlaskClient
) -> None:
    assert maria.send("Hola")[1] == WHO
    junk = payload("sms_text", From=MARIA, Body="2", MessageSid="SM\x00")
    assert post_signed(client, "/hooks/twilio", junk).status_code == 400
    assert twiml_messages(maria.post("2")) == [COUNTRY]
