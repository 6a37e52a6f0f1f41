"""POST /hooks/telegram: the secret first, then recorded updates read as Telegram sends them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Request
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import EnvironBuilder

from bot.app import Services, create_app
from bot.channel_settings import TelegramSettings
from bot.channels.base import InvalidPayload
from bot.channels.telegram import SECRET_HEADER, TelegramChannel
from bot.core.messages import Address, Button, Inbound
from bot.settings import Settings
from bot.storage.models import Contact, InboundMessage, OutboxMessage
from tests.channels.telegram.conftest import SECRET, count, update

MARIA = Address("telegram", "5550001001")


def request_for(body: Any, secret: str | None = SECRET) -> Request:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return Request(EnvironBuilder(method="POST", json=body, headers=headers).get_environ())


def parse(telegram: TelegramSettings, body: Any) -> list[Inbound]:
    return TelegramChannel(telegram).parse(request_for(body))


def nothing_stored(sessions: sessionmaker[Session]) -> bool:
    return all(count(sessions, model) == 0 for model in (Contact, InboundMessage, OutboxMessage))


def post(client: FlaskClient, body: Any, secret: str | None = SECRET) -> Any:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return client.post("/hooks/telegram", json=body, headers=headers)


@pytest.mark.parametrize(
    ("name", "text", "locale"),
    [
        ("text", "Hola, necesito ayuda", "es"),
        ("start", "/start", "en"),
        ("start_deep_link", "/start", "es"),  # the link's parameter is not something she typed
        ("emoji", "Oi 👋🏽 vocês podem me ajudar? 🙏 👨‍👩‍👧", "pt-br"),
        ("photo_without_caption", "", "es"),
        ("photo_with_caption", "Tijuana", "es"),
    ],
)
def test_a_message_is_read_as_what_the_person_wrote(
    telegram: TelegramSettings, name: str, text: str, locale: str
) -> None:
    body = update(name)
    before = datetime.now(UTC)
    [inbound] = parse(telegram, body)
    assert (inbound.address, inbound.text, inbound.locale_hint) == (MARIA, text, locale)
    assert inbound.provider_id == f"{MARIA.id}:{body['update_id']}"
    assert inbound.button is None and inbound.keyword is None and not inbound.truncated
    assert before <= inbound.received_at <= datetime.now(UTC) + timedelta(seconds=1)


def test_a_five_thousand_character_message_is_cut_to_telegrams_limit(
    telegram: TelegramSettings,
) -> None:
    # Telegram itself stops at 4096 characters; a longer text is not Telegram's, and is cut.
    [inbound] = parse(telegram, update("long_text"))
    sent = update("long_text")["message"]["text"]
    assert len(sent) == 5000 and inbound.text == sent[:4096] and inbound.truncated


def test_a_button_press_is_read_as_the_choice_of_its_question(telegram: TelegramSettings) -> None:
    [inbound] = parse(telegram, update("callback_query"))
    assert inbound.address == MARIA and inbound.button == Button("who", "family")
    assert (inbound.provider_id, inbound.locale_hint) == ("5550001001:815200009", "es")


@pytest.mark.parametrize(
    "name",
    [
        "edited_message",
        "my_chat_member",
        "unknown_type",
        "channel_post",
        "group_message",  # in a group, every member would read the screening
    ],
)
def test_other_updates_are_accepted_and_ignored(
    client: FlaskClient, services: Services, name: str
) -> None:
    answer = post(client, update(name))
    assert (answer.status_code, answer.get_json()) == (200, {})
    assert nothing_stored(services.sessions)


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1], SECRET + "x", "sécret"])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
    client: FlaskClient, services: Services, secret: str | None
) -> None:
    for name in ("start", "callback_query"):
        answer = post(client, update(name), secret)
        assert answer.status_code == 403
    assert nothing_stored(services.sessions)


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        ["a", "list"],
        {"message": {"text": "no update_id"}},
        {"update_id": "815200001"},
        {"update_id": 815200001, "message": {"message_id": 1, "text": "no chat, no date"}},
    ],
)
def test_an_unreadable_update_gets_200_and_nothing_is_stored(
    client: FlaskClient, services: Services, body: Any
) -> None:
    if isinstance(body, str):
        answer = client.post(
            "/hooks/telegram",
            data=body,
            content_type="application/json",
            headers={SECRET_HEADER: SECRET},
        )
    else:
        answer = post(client, body)
    # Any other answer and Telegram would send it again and again for a day.
    assert (answer.status_code, answer.get_json()) == (200, {})
    assert nothing_stored(services.sessions)


def test_the_answer_to_a_button_press_stops_its_spinner(client: FlaskClient) -> None:
    answer = post(client, update("callback_query"))
    assert answer.status_code == 200 and answer.is_json
    assert answer.get_json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": "2386148107934712931",
    }


def test_a_press_on_a_button_we_did_not_make_only_stops_the_spinner(
    client: FlaskClient, services: Services
) -> None:
    body = update("callback_query")
    body["callback_query"]["data"] = "no-colon-here"
    answer = post(client, body)
    assert answer.get_json()["method"] == "answerCallbackQuery"
    assert nothing_stored(services.sessions)


@pytest.mark.parametrize(
    "name",
    ["text", "start", "start_deep_link", "emoji", "long_text", "photo_without_caption"],
)
def test_every_recorded_message_is_answered_through_the_outbox(
    client: FlaskClient, services: Services, name: str
) -> None:
    answer = post(client, update(name))
    assert (answer.status_code, answer.get_json()) == (200, {})
    assert count(services.sessions, InboundMessage) == 1
    assert count(services.sessions, OutboxMessage) >= 1  # the welcome, waiting for the worker


def test_without_telegram_settings_the_hook_does_not_exist(
    database_url: str, services: Services
) -> None:
    off = Settings(database_url=database_url, run_worker=False, start_flow="placeholder")
    client = create_app(off, services).test_client()
    assert post(client, update("start")).status_code == 404


def test_verification_does_not_depend_on_the_body(telegram: TelegramSettings) -> None:
    channel = TelegramChannel(telegram)
    assert channel.verify(request_for("anything"))
    assert not channel.verify(request_for(update("start"), secret="nope"))
    with pytest.raises(InvalidPayload):
        channel.parse(request_for(["not", "an", "update"]))
