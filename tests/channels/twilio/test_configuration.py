"""Twilio is on with all its settings, off with none, and a half-set one stops start-up."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.channel_settings import TWILIO_API_URL
from bot.core.errors import ConfigError
from bot.settings import Settings
from tests.channels.twilio.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SMS_FROM,
    payload,
    signature,
)
from tests.keys import TEST_KEY_SETTINGS

FULL = {
    "HOMEWARD_PUBLIC_URL": PUBLIC_URL + "/",
    "HOMEWARD_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "HOMEWARD_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "HOMEWARD_TWILIO_FROM": SMS_FROM,
    "HOMEWARD_WHATSAPP_FROM": "+14155238886",
}


def test_a_full_configuration_turns_twilio_on() -> None:
    settings = Settings.from_env(FULL)
    assert settings.public_url == PUBLIC_URL
    assert settings.twilio is not None
    assert settings.twilio.whatsapp_from == "whatsapp:+14155238886"
    assert settings.twilio.api_url == TWILIO_API_URL
    assert AUTH_TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("HOMEWARD_TWILIO_AUTH_TOKEN", "HOMEWARD_TWILIO_AUTH_TOKEN"),
        ("HOMEWARD_TWILIO_ACCOUNT_SID", "HOMEWARD_TWILIO_ACCOUNT_SID"),
        ("HOMEWARD_PUBLIC_URL", "HOMEWARD_PUBLIC_URL"),
    ],
)
def test_a_half_set_configuration_stops_start_up_naming_the_variable(
    missing: str, named: str
) -> None:
    env = {name: value for name, value in FULL.items() if name != missing}
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


def test_without_a_sender_number_start_up_stops() -> None:
    env = {
        name: value
        for name, value in FULL.items()
        if name not in ("HOMEWARD_TWILIO_FROM", "HOMEWARD_WHATSAPP_FROM")
    }
    with pytest.raises(ConfigError, match="HOMEWARD_TWILIO_FROM"):
        Settings.from_env(env)


def test_without_twilio_settings_the_hooks_do_not_exist(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        run_worker=False,
        public_url=PUBLIC_URL,
        start_flow="placeholder",
        **TEST_KEY_SETTINGS,
    )
    app = create_app(settings)
    form = payload("sms_text")
    try:
        for path in ("/hooks/twilio", "/hooks/twilio/status"):
            signed = {"X-Twilio-Signature": signature(path, form)}
            assert app.test_client().post(path, data=form, headers=signed).status_code == 404
    finally:
        app.extensions["homeward"].database.dispose()
