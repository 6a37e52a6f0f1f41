"""The fuzzing rig: requests signed as the providers sign them, and the check that whatever
was stored still loads and takes another message."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import select
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from werkzeug.test import TestResponse

from bot.app import Services
from bot.channels.telegram import SECRET_HEADER
from bot.core.state import State
from bot.storage.models import Contact, Conversation

ACCOUNT_SID = "AC" + "3f" * 16
AUTH_TOKEN = "5e2b" * 8
PUBLIC_URL = "https://homeward.example.org"
TELEGRAM_SECRET = "hw_9f3a6c1e2b7d4a58-webhook"
TWILIO_HOOK, TWILIO_STATUS = "/hooks/twilio", "/hooks/twilio/status"
TELEGRAM_HOOK, SIMULATOR = "/hooks/telegram", "/simulator/messages"
# How many examples: a short run in every `make test`, a long one in `make test-slow`.
SHORT, LONG = 30, 500


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for a run over one app: no example database (nothing is written
    into the checkout), no deadline (PostgreSQL round trips vary), and the app is shared by
    the examples on purpose, so what one stored the next one meets."""
    return settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def post_twilio(
    client: FlaskClient, path: str, form: Mapping[str, str], *, forged: bool = False
) -> TestResponse:
    """POST `form` as Twilio does, signed by the real RequestValidator (or not, if forged)."""
    token = "0" * 32 if forged else AUTH_TOKEN
    signature = RequestValidator(token).compute_signature(PUBLIC_URL + path, dict(form))
    return client.post(path, data=dict(form), headers={"X-Twilio-Signature": signature})


def post_telegram(client: FlaskClient, body: bytes, *, secret: str = TELEGRAM_SECRET) -> Any:
    headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}
    return client.post(TELEGRAM_HOOK, data=body, headers=headers)


def post_simulator(client: FlaskClient, body: bytes) -> TestResponse:
    return client.post(SIMULATOR, data=body, headers={"Content-Type": "application/json"})


def new_sid() -> str:
    return "SM" + secrets.token_hex(16)


# What a stored address must look like, written out here rather than taken from the code
# under test, so that a weaker check there cannot weaken this one.
WELL_FORMED = {
    "sms": re.compile(r"\+[1-9][0-9]{6,14}"),
    "whatsapp": re.compile(r"\+[1-9][0-9]{6,14}"),
    "telegram": re.compile(r"-?[1-9][0-9]{0,18}"),
    "web": re.compile(r"[A-Za-z0-9._@+-]{1,64}"),
}


def _well_formed(channel: str, address: str) -> bool:
    pattern = WELL_FORMED.get(channel)
    if pattern is None or not pattern.fullmatch(address):
        return False
    return channel != "telegram" or -(2**63) <= int(address) < 2**63


def assert_stored_state_is_sound(client: FlaskClient, services: Services) -> int:
    """Every conversation's state loads; every contact's address is one its channel reaches,
    and the contact takes one more message through its own webhook. Returns the contacts."""
    with services.sessions() as session:
        for state in session.scalars(select(Conversation.state)):
            State.from_dict(state)  # raises if the stored state cannot be trusted
        people = list(session.execute(select(Contact.channel, Contact.address)))
    for channel, address in people:
        assert _well_formed(channel, address), f"a junk {channel} address was stored"
        answer = _one_more_message(client, channel, address)
        assert answer.status_code == 200, (channel, answer.status_code)
    with services.sessions() as session:
        for state in session.scalars(select(Conversation.state)):
            State.from_dict(state)
    return len(people)


def _one_more_message(client: FlaskClient, channel: str, address: str) -> TestResponse:
    if channel in ("sms", "whatsapp"):
        sender = f"whatsapp:{address}" if channel == "whatsapp" else address
        form = {"From": sender, "To": "+15005550006", "Body": "hola", "MessageSid": new_sid()}
        return post_twilio(client, TWILIO_HOOK, form)
    if channel == "telegram":
        update = {
            "update_id": secrets.randbelow(2**31),
            "message": {
                "message_id": 1,
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": int(address), "type": "private"},
                "text": "hola",
            },
        }
        return post_telegram(client, json.dumps(update).encode())
    return post_simulator(client, json.dumps({"address": address, "text": "hola"}).encode())
