"""A flood in one chat on POST /hooks/telegram: told once to wait in the webhook's answer (so
nothing is stored for it), then ignored, while another chat is served; memory and Redis."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from bot.app import Services
from bot.core import texts
from bot.delivery.worker import Worker
from bot.settings import Settings
from bot.storage.models import Contact, InboundMessage, OutboxMessage
from tests.channels.telegram.conftest import TelegramPerson, assert_lines, count, deliver
from tests.rate_limits import HASHED, on_store, stored_keys, stores

NOTICE = texts.TOO_MANY_MESSAGES.source  # these tests offer English alone
WHO = ["Who is writing?", "[1. I was deported]", "[2. A family member]", "[3. An advocate or"]


@pytest.fixture(params=stores())
def settings(settings: Settings, request: pytest.FixtureRequest) -> Iterator[Settings]:
    with on_store(settings, request.param, "3/minute") as limited:
        yield limited


def stored(services: Services) -> tuple[int, ...]:
    return tuple(count(services.sessions, m) for m in (Contact, InboundMessage, OutboxMessage))


def test_a_flood_is_told_once_then_ignored_while_another_chat_is_served(
    maria: TelegramPerson,
    jean: TelegramPerson,
    worker: Worker,
    services: Services,
    app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for text in ("/start", "hola", "hola"):
        assert maria.says(text).get_json() == {}
    told = maria.says("hola")
    # Telegram sends the notice itself, from the webhook's answer: no outbox row for it.
    assert told.get_json() == {"method": "sendMessage", "chat_id": maria.chat_id, "text": NOTICE}
    before = stored(services)
    for _ in range(10):
        assert maria.says("hola").get_json() == {}  # a 200: Telegram does not send it again
    assert stored(services) == before

    jean.says("/start")
    deliver(worker)
    assert_lines(jean.reads(), ["Welcome to Homeward.", *WHO])
    # Maria reads the answers to her first three messages, nothing from the rest.
    again = ["Please reply with the number of your answer.", *WHO]
    deliver(worker)
    assert_lines(maria.reads(), ["Welcome to Homeward.", *WHO, *again, *again])
    assert count(services.sessions, InboundMessage) == 4

    chat = str(maria.chat_id)
    assert not any(chat in record.getMessage() for record in caplog.records)
    keys = stored_keys(app)
    assert keys and not any(chat in key for key in keys)
    assert all(HASHED.search(key) for key in keys), keys


def test_a_tap_over_the_limit_is_told_in_an_alert_and_its_spinner_stops(
    maria: TelegramPerson, worker: Worker
) -> None:
    maria.says("/start")
    deliver(worker)
    maria.taps("A family member")
    maria.says("México")
    over = maria.taps("A family member")
    query = maria.last_update["callback_query"]["id"]
    assert over.get_json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": query,
        "text": NOTICE,
        "show_alert": True,
    }
    again = maria.taps("A family member")
    query = maria.last_update["callback_query"]["id"]
    assert again.get_json() == {"method": "answerCallbackQuery", "callback_query_id": query}
