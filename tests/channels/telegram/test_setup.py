"""Connecting a bot: `homeward telegram set-webhook`, and settings that are all set or none."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.core.errors import ConfigError
from bot.settings import Settings
from tests.channels.telegram.conftest import PUBLIC_URL, SECRET, TOKEN
from tests.channels.telegram.fake_api import FakeTelegram


@pytest.fixture(autouse=True)
def no_homeward_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what each test sets: nothing from the shell that runs the tests."""
    for name in list(os.environ):
        if name.startswith("HOMEWARD_") and not name.startswith("HOMEWARD_TEST_"):
            monkeypatch.delenv(name)


def set_webhook(env: dict[str, str]) -> Result:
    return CliRunner().invoke(main, ["telegram", "set-webhook"], env=env)


def telegram_env(api: FakeTelegram, token: str = TOKEN) -> dict[str, str]:
    return {
        "HOMEWARD_TELEGRAM_TOKEN": token,
        "HOMEWARD_TELEGRAM_SECRET": SECRET,
        "HOMEWARD_TELEGRAM_API_URL": api.url,
        "HOMEWARD_PUBLIC_URL": PUBLIC_URL + "/",
    }


def test_set_webhook_registers_the_url_the_secret_and_the_updates_we_read(
    telegram_api: FakeTelegram,
) -> None:
    result = set_webhook(telegram_env(telegram_api))
    assert result.exit_code == 0, result.output
    assert result.output == f"Telegram now sends updates to {PUBLIC_URL}/hooks/telegram\n"
    [call] = telegram_api.calls_to("setWebhook")
    assert call.params["url"] == f"{PUBLIC_URL}/hooks/telegram"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "callback_query"]


def test_a_rejected_token_is_one_line_that_does_not_repeat_the_token(
    telegram_api: FakeTelegram,
) -> None:
    wrong = "7700000001:AAWrongWrongWrongWrongWrongWrongWrong"
    result = set_webhook(telegram_env(telegram_api, wrong))
    assert result.exit_code == 1
    assert result.output == "Error: Telegram refused HOMEWARD_TELEGRAM_TOKEN\n"
    assert telegram_api.calls_to("setWebhook") == []


def test_telegrams_refusal_of_the_webhook_is_shown(telegram_api: FakeTelegram) -> None:
    telegram_api.fail_next("setWebhook", "400-webhook")
    result = set_webhook(telegram_env(telegram_api))
    assert result.exit_code == 1
    # Telegram's reason, as PTB words it ("Bad Request: " dropped).
    assert result.output.startswith("Error: Telegram refused the webhook: Bad webhook: ")
    assert TOKEN not in result.output and SECRET not in result.output


def test_an_unreachable_telegram_is_named(telegram_api: FakeTelegram) -> None:
    env = telegram_env(telegram_api) | {"HOMEWARD_TELEGRAM_API_URL": "http://127.0.0.1:9"}
    result = set_webhook(env)
    assert result.exit_code == 1
    assert result.output == "Error: cannot reach Telegram at http://127.0.0.1:9 (NetworkError)\n"


def test_set_webhook_says_what_to_set_when_telegram_is_off() -> None:
    result = set_webhook({})
    assert result.exit_code == 1
    assert "HOMEWARD_TELEGRAM_TOKEN" in result.output


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"HOMEWARD_TELEGRAM_TOKEN": TOKEN}, "HOMEWARD_TELEGRAM_SECRET"),
        ({"HOMEWARD_TELEGRAM_SECRET": SECRET}, "HOMEWARD_TELEGRAM_TOKEN"),
        ({"HOMEWARD_TELEGRAM_API_URL": "http://127.0.0.1:8081"}, "HOMEWARD_TELEGRAM_TOKEN"),
        (
            {"HOMEWARD_TELEGRAM_TOKEN": TOKEN, "HOMEWARD_TELEGRAM_SECRET": "has spaces"},
            "HOMEWARD_TELEGRAM_SECRET",
        ),
        ({"HOMEWARD_TELEGRAM_TOKEN": TOKEN, "HOMEWARD_TELEGRAM_SECRET": SECRET}, "PUBLIC_URL"),
    ],
)
def test_a_half_set_telegram_stops_start_up_naming_what_is_missing(
    env: dict[str, str], named: str
) -> None:
    if named != "PUBLIC_URL":
        env = {"HOMEWARD_PUBLIC_URL": PUBLIC_URL} | env
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)
    result = set_webhook(env)
    assert result.exit_code == 1 and named in result.output


def test_telegram_is_off_when_nothing_is_set() -> None:
    assert Settings.from_env({"HOMEWARD_PUBLIC_URL": PUBLIC_URL}).telegram is None
