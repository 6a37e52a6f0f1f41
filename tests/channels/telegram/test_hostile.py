"""Updates with the right secret but hostile content: 200 (so Telegram stops), nothing stored.

And the dedup key: Telegram restarts its update ids at a random number after a week without
updates, so an update id seen before may come again from another chat, and must be read.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.app import Services
from bot.channels.telegram import SECRET_HEADER
from bot.delivery.worker import Worker
from bot.storage.models import Contact, InboundMessage, OutboxMessage
from tests.channels.telegram.conftest import (
    SECRET,
    TelegramPerson,
    assert_lines,
    count,
    deliver,
    update,
)
from tests.channels.telegram.fake_api import FakeTelegram

NOTE = "Your message was very long: I read only the beginning."
WELCOME = "Welcome to Homeward."
COUNTRY = "In which country are you now?"
SPINNER_STOPPED = {"method": "answerCallbackQuery", "callback_query_id": "2386148107934712931"}

Change = Callable[[dict[str, Any]], object]


def changed(name: str, change: Change) -> dict[str, Any]:
    body = update(name)
    change(body)
    return body


def message_with(**fields: object) -> dict[str, Any]:
    body = update("text")
    body["message"].update(fields)
    return body


def chat_with(**fields: object) -> dict[str, Any]:
    body = update("text")
    body["message"]["chat"].update(fields)
    return body


def query_with(**fields: object) -> dict[str, Any]:
    body = update("callback_query")
    body["callback_query"].update(fields)
    return body


def nested_in(body: dict[str, Any], field: str, depth: int) -> bytes:
    """`body` as JSON with `message[field]` nested `depth` lists deep (json.dumps would not)."""
    marker = "NESTED-HERE"
    body["message"][field] = marker
    return json.dumps(body).replace(f'"{marker}"', "[" * depth + "]" * depth).encode()


HOSTILE: dict[str, Any] = {
    # Each of these was a 500 before the edge checked its input.
    "text is a number": message_with(text=5),
    "text is a list": message_with(text=["Hola"]),
    "text is an object": message_with(text={"a": 1}),
    "text is true": message_with(text=True),
    "caption is a number": changed("photo_with_caption", lambda b: b["message"].update(caption=7)),
    "no chat": changed("text", lambda b: b["message"].pop("chat")),
    "chat is null": message_with(chat=None),
    "chat is a list": message_with(chat=[-1, {}, None]),
    "chat id is null": chat_with(id=None),
    "chat id is a list": chat_with(id=[-1, {}, None]),
    "chat id is true": chat_with(id=True),
    "chat id is a string": chat_with(id="5550001001"),
    "chat id is zero": chat_with(id=0),
    "chat id is 10**300": chat_with(id=10**300),
    "chat id is 2**63": chat_with(id=2**63),
    "chat id is a float": chat_with(id=5550001001.0),
    "date is 10**20": message_with(date=10**20),
    "date is negative": message_with(date=-1),
    "date is a string": message_with(date="2026-11-23"),
    "no date": changed("text", lambda b: b["message"].pop("date")),
    "from is a string": message_with(**{"from": "María"}),
    "message is a list": changed("text", lambda b: b.update(message=[1, 2])),
    "message is a string": changed("text", lambda b: b.update(message="Hola")),
    "update_id is 10**200": changed("text", lambda b: b.update(update_id=10**200)),
    "update_id is negative": changed("text", lambda b: b.update(update_id=-1)),
    "update_id is true": changed("text", lambda b: b.update(update_id=True)),
    "update_id is null": changed("text", lambda b: b.update(update_id=None)),
    "update_id is a string": changed("text", lambda b: b.update(update_id="815200001")),
    "deep nesting in a field we do not read": nested_in(update("text"), "entities", 5000),
    "deep nesting in the text": nested_in(update("text"), "text", 5000),
    "deep nesting alone": b"[" * 5000 + b"]" * 5000,
    "a list of updates": [update("text"), update("start")],
    "callback without from": changed("callback_query", lambda b: b["callback_query"].pop("from")),
    "callback from is null": query_with(**{"from": None}),
    "callback from id is 10**300": changed(
        "callback_query", lambda b: b["callback_query"]["from"].update(id=10**300)
    ),
    "callback data is a number": query_with(data=12),
    "callback data has a NUL": query_with(data="who:fam\x00ily"),
    "callback data is over 64 bytes": query_with(data="who:" + "é" * 40),
    "callback message is a string": query_with(message="Who is writing?"),
    "callback chat id is true": changed(
        "callback_query", lambda b: b["callback_query"]["message"]["chat"].update(id=True)
    ),
    "callback message date is 10**20": changed(
        "callback_query", lambda b: b["callback_query"]["message"].update(date=10**20)
    ),
    "callback id has a NUL": query_with(id="2386\x00"),
    "callback id is a number": query_with(id=2386148107934712931),
}


def post(client: FlaskClient, body: Any) -> Any:
    return client.post("/hooks/telegram", json=body, headers={SECRET_HEADER: SECRET})


def post_raw(client: FlaskClient, data: bytes) -> Any:
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    return client.post("/hooks/telegram", data=data, headers=headers)


def nothing_stored(services: Services) -> bool:
    models = (Contact, InboundMessage, OutboxMessage)
    return all(count(services.sessions, model) == 0 for model in models)


def test_a_hostile_update_gets_200_and_nothing_is_stored(
    client: FlaskClient, services: Services
) -> None:
    for name, body in HOSTILE.items():
        answer = post_raw(client, body) if isinstance(body, bytes) else post(client, body)
        assert answer.status_code == 200, name
        # A button press whose id could be read still gets its spinner stopped.
        assert answer.get_json() in ({}, SPINNER_STOPPED), name
        assert nothing_stored(services), name


def test_what_is_not_json_gets_200_and_nothing_is_stored(
    client: FlaskClient, services: Services
) -> None:
    for data in (
        b'{"update_id": NaN, "message": {}}',
        b'{"update_id": ' + b"9" * 5000 + b"}",
        b'{"update_id": 1, "message": {"text": "\xff"}}',
        b"[" * 100_000,
        b"",
    ):
        answer = post_raw(client, data)
        assert (answer.status_code, answer.get_json()) == (200, {}), data[:40]
    assert nothing_stored(services)


def test_a_body_over_the_webhook_limit_gets_200_and_nothing_is_stored(
    client: FlaskClient, services: Services
) -> None:
    answer = post(client, message_with(text="x" * 200_000))
    assert (answer.status_code, answer.get_json()) == (200, {})
    assert nothing_stored(services)
    # Without the secret it is still 403: the size does not let anyone past the check.
    assert client.post("/hooks/telegram", json=message_with(text="x")).status_code == 403


def test_control_characters_are_dropped_and_the_message_read(
    maria: TelegramPerson, worker: Worker
) -> None:
    maria.says("/st\x00art\x07")
    deliver(worker)
    assert maria.reads()[0].startswith(WELCOME)
    maria.says("\ud8002\x1b")  # a lone surrogate no database could store, and an escape
    deliver(worker)
    assert_lines(maria.reads(), [COUNTRY])


def test_a_long_text_is_answered_with_a_note_first(
    maria: TelegramPerson, worker: Worker, services: Services
) -> None:
    maria.says("Hola " * 2000)
    deliver(worker)
    lines = maria.reads()
    assert lines[0] == NOTE and lines[1].startswith(WELCOME)
    assert count(services.sessions, Contact) == 1


def test_a_language_code_that_is_not_a_tag_is_no_hint(
    maria: TelegramPerson, worker: Worker
) -> None:
    maria.language_code = "es\x00;DROP TABLE"
    maria.says("/start")
    deliver(worker)
    assert maria.reads()[0].startswith(WELCOME)


# -- dedup -----------------------------------------------------------------------------------


def test_an_update_id_seen_in_another_chat_is_not_a_duplicate(
    client: FlaskClient,
    telegram_api: FakeTelegram,
    services: Services,
    worker: Worker,
) -> None:
    # Telegram restarted its counter after a week idle: Jean's update gets Maria's old id.
    maria = TelegramPerson(client, telegram_api, 5550001001, iter([815300000]))
    jean = TelegramPerson(client, telegram_api, 5550002002, iter([815300000]))
    maria.says("/start")
    jean.says("/start")
    deliver(worker)
    assert maria.reads()[0].startswith(WELCOME) and jean.reads()[0].startswith(WELCOME)
    # Each chat's update is kept under its own key (compared by value, stored as a fingerprint).
    with services.sessions() as session:
        total = session.scalar(select(func.count()).select_from(InboundMessage))
        per_chat = [
            session.scalar(select(func.count()).where(InboundMessage.provider_id == key))
            for key in ("5550001001:815300000", "5550002002:815300000")
        ]
    assert total == 2 and per_chat == [1, 1]


def test_the_same_update_delivered_twice_is_read_once(
    maria: TelegramPerson, worker: Worker, services: Services
) -> None:
    maria.says("/start")
    deliver(worker)
    maria.reads()
    maria.taps("A family member")
    answer = maria.resends_last_update()
    assert answer.status_code == 200 and answer.get_json()["method"] == "answerCallbackQuery"
    deliver(worker)
    assert_lines(maria.reads(), [COUNTRY])  # once
    assert count(services.sessions, InboundMessage) == 2


def test_replayed_and_reordered_updates_each_count_once(
    client: FlaskClient, telegram_api: FakeTelegram, services: Services, worker: Worker
) -> None:
    maria = TelegramPerson(client, telegram_api, 5550001001, itertools.count(40))
    maria.says("/start")
    first = copy.deepcopy(maria.last_update)
    maria.says("2")
    second = copy.deepcopy(maria.last_update)
    for body in (second, first, second, first):  # redelivered, out of order
        assert post(client, body).status_code == 200
    assert count(services.sessions, InboundMessage) == 2
    deliver(worker)
    assert_lines(maria.reads()[-1:], [COUNTRY])


def test_refusals_log_a_reason_code_and_nothing_of_the_update(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = message_with(text={"secret": "Necesito ayuda"})
    post(client, body)
    post(client, chat_with(id=str(10**30)))
    assert "reason=text-type" in caplog.text and "reason=chat-id" in caplog.text
    for value in ("Necesito", "5550001001", str(10**30), "María", json.dumps(body)[:20]):
        assert value not in caplog.text
