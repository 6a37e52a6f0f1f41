"""A flood from one number on POST /hooks/twilio: told once to wait, then ignored, while another
person is served; counted only after the signature, under a keyed hash, on memory and Redis."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.app import Services
from bot.core import texts
from bot.settings import Settings
from bot.storage.models import InboundMessage
from tests.channels.twilio.conftest import JEAN, MARIA, Phone, contact, payload
from tests.rate_limits import HASHED, on_store, stored_keys, stores

WELCOME = "Welcome to Homeward."
COUNTRY = "In which country are you now?"
SERVED = "Did you serve in the U.S. military?\n1. Yes\n2. No\n3. Prefer not to say"
NOTICE = texts.TOO_MANY_MESSAGES.source  # these tests offer English alone


@pytest.fixture(params=stores())
def settings(settings: Settings, request: pytest.FixtureRequest) -> Iterator[Settings]:
    with on_store(settings, request.param, "3/minute") as limited:
        yield limited


def inbound_rows(services: Services, channel: str, number: str) -> int:
    contact_id = contact(services, channel, number).id
    with services.sessions() as session:
        query = select(func.count()).where(InboundMessage.contact_id == contact_id)
        return session.scalar(query) or 0


def test_a_flood_is_told_once_then_ignored_while_another_person_is_served(
    maria: Phone, jean: Phone, services: Services, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert maria.send("Hola")[0].startswith(WELCOME)
    assert maria.send("2") == [COUNTRY]
    assert jean.send("Bonjour")[0].startswith(WELCOME)
    assert maria.send("México") == [SERVED]  # her third: the limit

    assert maria.send("1") == [NOTICE]
    for _ in range(10):
        answer = maria.post("1")
        assert answer.status_code == 200  # Twilio must not send it again
        assert maria.send("1") == []  # an empty <Response/>: no SMS goes out

    assert jean.send("2") == [COUNTRY]  # the other person, served as usual
    # The dropped messages were not run or stored: her three turns, no more.
    assert inbound_rows(services, "sms", MARIA) == 3
    assert inbound_rows(services, "whatsapp", JEAN) == 2

    told = [r for r in caplog.records if "over the rate limit" in r.getMessage()]
    assert [r.levelname for r in told].count("WARNING") == 1
    for number in (MARIA, JEAN):
        digits = number.removeprefix("+")
        assert not any(digits in record.getMessage() for record in caplog.records)
        assert not any(digits in key for key in stored_keys(app))
    keys = stored_keys(app)
    assert any("/sender/" in key for key in keys)
    assert all(HASHED.search(key) for key in keys), keys


def test_forged_requests_do_not_count_against_the_number_they_name(
    client: FlaskClient, maria: Phone
) -> None:
    form = payload("sms_text", From=MARIA, Body="hello")
    for _ in range(10):
        forged = client.post("/hooks/twilio", data=form, headers={"X-Twilio-Signature": "AAAA"})
        assert forged.status_code == 403
    assert maria.send("Hola")[0].startswith(WELCOME)
    assert maria.send("2") == [COUNTRY]
    assert maria.send("México") == [SERVED]


def test_sms_and_whatsapp_from_one_number_are_two_senders(client: FlaskClient) -> None:
    sms, whatsapp = Phone(client, MARIA), Phone(client, MARIA, base="whatsapp_text")
    for _ in range(3):
        sms.send("hi")
    assert sms.send("hi") == [NOTICE]
    assert whatsapp.send("hi")[0].startswith(WELCOME)
