"""Telegram fixtures: a fake Bot API on loopback, Homeward wired to it, people who chat and tap."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from bot.app import Services
from bot.channel_settings import TelegramSettings
from bot.channels.telegram import SECRET_HEADER
from bot.delivery.telegram_sender import TelegramSender
from bot.delivery.worker import Worker
from bot.settings import Settings
from bot.storage.models import Base
from tests.channels.telegram.fake_api import FakeTelegram, Sent

UPDATES = Path(__file__).parent / "updates"
TOKEN = "7700000001:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"
SECRET = "hw_9f3a6c1e2b7d4a58-webhook"
PUBLIC_URL = "https://homeward.example.org"
SENDER_TIMEOUT = 0.5  # seconds; the fake's slow answer takes longer
# No jitter and a short first step, so a 429's retry_after (3 s) is what decides the wait.
BACKOFF = (timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4))


def update(name: str) -> dict[str, Any]:
    """A recorded update from updates/NAME.json."""
    data: dict[str, Any] = json.loads((UPDATES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def count(sessions: sessionmaker[Session], model: type[Base]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


class ShiftedClock:
    """The worker's clock: real time (inbound messages carry it) plus what the test skips."""

    def __init__(self) -> None:
        self.shift = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def advance(self, delta: timedelta) -> None:
        self.shift += delta


class TelegramPerson:
    """Someone in a private chat with the bot; their messages reach Homeward as Telegram posts."""

    def __init__(
        self,
        client: FlaskClient,
        api: FakeTelegram,
        chat_id: int,
        update_ids: Iterator[int],
        language_code: str = "en",
    ) -> None:
        self.client = client
        self.api = api
        self.chat_id = chat_id
        self.update_ids = update_ids
        self.language_code = language_code
        self.message_ids = itertools.count(100)
        self.seen = 0
        self.last_update: dict[str, Any] = {}

    def post(self, body: dict[str, Any], secret: str | None = SECRET) -> TestResponse:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return self.client.post("/hooks/telegram", json=body, headers=headers)

    def says(self, text: str) -> TestResponse:
        """Types `text` and sends it."""
        body = update("text")
        message = body["message"]
        message.update(message_id=next(self.message_ids), text=text)
        message["chat"]["id"] = message["from"]["id"] = self.chat_id
        message["from"]["language_code"] = self.language_code
        return self._send(body)

    def taps(self, label: str, on: Sent | None = None) -> TestResponse:
        """Presses the button labelled `label` under message `on` (else the newest keyboard)."""
        message = on or next(m for m in reversed(self.messages()) if m.buttons)
        data = next(
            data
            for shown, data in message.buttons
            if shown == label or shown.partition(". ")[2] == label
        )
        body = update("callback_query")
        query = body["callback_query"]
        query.update(id=f"cq-{self.chat_id}-{next(self.message_ids)}", data=data)
        query["from"]["id"] = query["message"]["chat"]["id"] = self.chat_id
        query["from"]["language_code"] = self.language_code
        query["message"].update(message_id=message.message_id, text=message.text)
        return self._send(body)

    def resends_last_update(self) -> TestResponse:
        """Telegram delivers the same update again (it did not see our 200 in time)."""
        return self.post(copy.deepcopy(self.last_update))

    def _send(self, body: dict[str, Any]) -> TestResponse:
        body["update_id"] = next(self.update_ids)
        self.last_update = copy.deepcopy(body)
        answer = self.post(body)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer

    def messages(self) -> list[Sent]:
        return self.api.messages_to(self.chat_id)

    def reads(self) -> list[str]:
        """The lines of the messages that arrived since the last look, buttons as [label]."""
        new = self.messages()[self.seen :]
        self.seen += len(new)
        return [line for message in new for line in message.lines()]


def assert_lines(actual: list[str], expected: list[str]) -> None:
    """Each expected line starts the actual line at its place, and there are no more lines."""
    assert len(actual) == len(expected), actual
    for got, want in zip(actual, expected, strict=True):
        assert got.startswith(want), f"{got!r} does not start with {want!r}"


def deliver(worker: Worker) -> int:
    """Run the worker until nothing is due; returns how many messages it tried."""
    tried = 0
    for _ in range(50):
        claimed = worker.run_once()
        if claimed == 0:
            return tried
        tried += claimed
    raise AssertionError("the worker kept finding work")


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN) as api:
        yield api


@pytest.fixture
def telegram(telegram_api: FakeTelegram) -> TelegramSettings:
    return TelegramSettings(TOKEN, SECRET, telegram_api.url)


@pytest.fixture
def settings(settings: Settings, telegram: TelegramSettings) -> Settings:
    """Homeward in production mode with the Telegram channel on (over tests/conftest.py's)."""
    return replace(settings, environment="production", public_url=PUBLIC_URL, telegram=telegram)


@pytest.fixture
def sender(telegram: TelegramSettings) -> Iterator[TelegramSender]:
    sender = TelegramSender(telegram, timeout=SENDER_TIMEOUT)
    try:
        yield sender
    finally:
        sender.close()


@pytest.fixture
def worker_clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
def worker(services: Services, sender: TelegramSender, worker_clock: ShiftedClock) -> Worker:
    return Worker(
        services.sessions, {"telegram": sender}, worker_clock, backoff=BACKOFF, jitter=0.0
    )


@pytest.fixture
def update_ids() -> Iterator[int]:
    return itertools.count(815300000)


@pytest.fixture
def maria(
    client: FlaskClient, telegram_api: FakeTelegram, update_ids: Iterator[int]
) -> TelegramPerson:
    return TelegramPerson(client, telegram_api, 5550001001, update_ids)


@pytest.fixture
def jean(
    client: FlaskClient, telegram_api: FakeTelegram, update_ids: Iterator[int]
) -> TelegramPerson:
    return TelegramPerson(client, telegram_api, 5550002002, update_ids, language_code="fr")
