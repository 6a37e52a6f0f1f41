"""Fuzzing fixtures: one Homeward with every route on, over the test database."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis.configuration import set_hypothesis_home_dir

from bot.app import Services, build_services, create_app
from bot.channel_settings import TelegramSettings, TwilioSettings
from bot.partners.directory import demo_partner_file
from bot.settings import Settings
from tests.fuzz.rig import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, TELEGRAM_SECRET

# Hypothesis keeps caches (and, unless disabled as here, an example database) in .hypothesis/
# of the working directory; keep them out of the checkout. Set before any strategy is drawn.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "homeward-hypothesis")


@pytest.fixture
def settings_all(database_url: str, tmp_path: Path) -> Settings:
    """Every route on: development (simulator, dev pages), Twilio and Telegram, the real
    screening in every language, with the demo clinic as the partner."""
    return Settings(
        database_url=database_url,
        environment="development",
        run_worker=False,
        start_flow="screening",
        partners_file=demo_partner_file(tmp_path),
        public_url=PUBLIC_URL,
        twilio=TwilioSettings(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            sms_from="+15005550006",
            whatsapp_from="whatsapp:+14155238886",
            api_url="http://127.0.0.1:9",  # nothing is sent: no worker runs
        ),
        telegram=TelegramSettings(
            "7700000001:AAHfiqksKZ8W", TELEGRAM_SECRET, "http://127.0.0.1:9"
        ),
    )


@pytest.fixture
def homeward(settings_all: Settings) -> Iterator[tuple[Flask, Services]]:
    services = build_services(settings_all)
    app = create_app(settings_all, services)
    # An exception inside a view fails the example with its traceback, not only a 500.
    app.config["PROPAGATE_EXCEPTIONS"] = True
    try:
        yield app, services
    finally:
        services.database.dispose()


@pytest.fixture
def fuzz_client(homeward: tuple[Flask, Services]) -> FlaskClient:
    return homeward[0].test_client()


@pytest.fixture
def fuzz_services(homeward: tuple[Flask, Services]) -> Services:
    return homeward[1]
