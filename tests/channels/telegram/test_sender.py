"""The Telegram sender against a fake Bot API: what it sends, and what each failure becomes."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bot.channel_settings import TelegramSettings
from bot.core.messages import Button
from bot.delivery.telegram_sender import (
    MAX_BUTTON_DATA,
    TelegramSender,
    button_data,
    button_of,
)
from bot.delivery.worker import PermanentFailure, RetryLater
from bot.storage.outbox import OutboxItem
from tests.channels.telegram.conftest import SECRET, SENDER_TIMEOUT
from tests.channels.telegram.fake_api import FakeTelegram

CHAT = 5550001001


def item(text: str = "Who is writing?", **payload: Any) -> OutboxItem:
    body = {"address": str(CHAT), "text": text, "choices": [], "question": None, **payload}
    return OutboxItem(
        id=1, kind="telegram", dedupe_key="reply:telegram:1:0", payload=body, attempts=1
    )


def test_a_question_goes_out_as_plain_text_with_one_numbered_button_per_row(
    sender: TelegramSender, telegram_api: FakeTelegram
) -> None:
    choices = [["self", "I was deported"], ["family", "A family member"]]
    assert sender.send(item(choices=choices, question="who")) == f"{CHAT}:1"
    [call] = telegram_api.calls_to("sendMessage")
    assert call.params["chat_id"] == str(CHAT) and call.params["text"] == "Who is writing?"
    assert "parse_mode" not in call.params
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "1. I was deported", "callback_data": "who:self"}],
            [{"text": "2. A family member", "callback_data": "who:family"}],
        ]
    }


def test_markdown_characters_arrive_as_written(
    sender: TelegramSender, telegram_api: FakeTelegram
) -> None:
    text = "*Not bold* _nor italic_ [nor a link](x) <b>nor HTML</b> & 1 < 2"
    sender.send(item(text))
    assert telegram_api.messages_to(CHAT)[0].text == text


def test_choices_whose_button_data_would_pass_64_bytes_become_numbered_lines(
    sender: TelegramSender, telegram_api: FakeTelegram
) -> None:
    question = "q" * (MAX_BUTTON_DATA - 3)
    sender.send(item(choices=[["ok", "Fine"], ["much-longer", "Also fine"]], question=question))
    [call] = telegram_api.calls_to("sendMessage")
    assert "reply_markup" not in call.params
    assert call.params["text"] == "Who is writing?\n1. Fine\n2. Also fine"


def test_button_data_round_trips_and_respects_the_byte_limit() -> None:
    assert button_data("who", "family") == "who:family"
    assert button_of("who:family") == Button("who", "family")
    assert button_of("language:pt_BR") == Button("language", "pt_BR")
    assert button_data("ñ" * 32, "k") is None  # 34 characters, but 66 bytes
    assert button_data("q" * 62, "k") == "q" * 62 + ":k"
    for foreign in (None, "", "nocolon", ":key", "question:"):
        assert button_of(foreign) is None


@pytest.mark.parametrize(
    ("outcome", "error", "code", "retry_after", "opted_out"),
    [
        ("429", RetryLater, "telegram-429", 3.0, None),
        ("500", RetryLater, "telegram-network", None, None),
        ("403", PermanentFailure, "telegram-forbidden", None, True),
        ("400", PermanentFailure, "telegram-400", None, False),
    ],
)
def test_each_failure_is_retried_or_given_up_as_it_deserves(
    sender: TelegramSender,
    telegram_api: FakeTelegram,
    outcome: str,
    error: type[RetryLater | PermanentFailure],
    code: str,
    retry_after: float | None,
    opted_out: bool | None,
) -> None:
    telegram_api.fail_next("sendMessage", outcome)
    with pytest.raises(error) as raised:
        sender.send(item())
    failure = raised.value
    assert failure.code == code
    if isinstance(failure, RetryLater):
        assert failure.retry_after == retry_after
    else:
        assert failure.opted_out is opted_out
    assert sender.send(item()) == f"{CHAT}:1"  # the Bot is still usable afterwards
    assert [m.text for m in telegram_api.messages_to(CHAT)] == ["Who is writing?"]


def test_a_slow_answer_is_given_up_within_the_timeout(
    sender: TelegramSender, telegram_api: FakeTelegram
) -> None:
    telegram_api.fail_next("sendMessage", "slow")
    started = time.monotonic()
    with pytest.raises(RetryLater) as raised:
        sender.send(item())
    assert raised.value.code == "telegram-timeout"
    assert time.monotonic() - started < SENDER_TIMEOUT * 3
    assert sender.send(item()).startswith(f"{CHAT}:")  # the Bot is still usable afterwards


def test_one_bot_checks_its_token_once_and_serves_any_thread(
    sender: TelegramSender, telegram_api: FakeTelegram
) -> None:
    results: list[str | None] = []
    threads = [
        threading.Thread(target=lambda: results.append(sender.send(item()))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    results.append(sender.send(item()))
    assert sorted(results, key=str) == [f"{CHAT}:{n}" for n in (1, 2, 3, 4)]
    assert len(telegram_api.calls_to("getMe")) == 1


def test_a_rejected_token_keeps_the_message_and_says_which_variable(
    telegram_api: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "7700000001:AAWrongWrongWrongWrongWrongWrongWrong"
    sender = TelegramSender(TelegramSettings(wrong, SECRET, telegram_api.url), timeout=1)
    try:
        with pytest.raises(RetryLater) as raised:
            sender.send(item())
    finally:
        sender.close()
    assert raised.value.code == "telegram-unauthorized"
    assert "HOMEWARD_TELEGRAM_TOKEN" in caplog.text and wrong not in caplog.text
    assert telegram_api.delivered == []


def test_close_stops_the_thread_and_a_closed_sender_sends_nothing(
    telegram: TelegramSettings, telegram_api: FakeTelegram
) -> None:
    sender = TelegramSender(telegram, timeout=1)
    sender.send(item("hi"))
    assert any(t.name == "telegram-sender" for t in threading.enumerate())
    sender.close()
    sender.close()  # twice is fine
    assert not any(t.name == "telegram-sender" for t in threading.enumerate())
    with pytest.raises(RetryLater):
        sender.send(item())
    assert [m.text for m in telegram_api.delivered] == ["hi"]


def test_choices_without_a_question_are_numbered_lines(
    sender: TelegramSender, telegram_api: FakeTelegram
) -> None:
    sender.send(item("Pick one", choices=[["a", "Alpha"]]))
    assert telegram_api.messages_to(CHAT)[0].lines() == ["Pick one", "1. Alpha"]
