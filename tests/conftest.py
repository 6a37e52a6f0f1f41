"""Shared fixtures: a clock the tests move, a fresh Homeward over a fresh database per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.app import Services, build_services, create_app
from bot.channels.memory import MemoryChannel
from bot.settings import Settings
from tests.keys import TEST_KEYRING

pytest_plugins = ["tests.conftest_db", "tests.faults.report", "tests.log_leaks"]


class Clock:
    """A clock that only moves when a test says so."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The engine's conversation tests talk to the demo flow, which needs no partner directory,
    # in English alone (no language menu); tests of languages offer them all.
    return Settings(
        database_url=database_url,
        environment="development",
        run_worker=False,
        start_flow="placeholder",
        languages=("en",),
        secret_keys=TEST_KEYRING.secret_keys,
        hash_key=TEST_KEYRING.hash_key,
    )


@pytest.fixture
def start_services(settings: Settings) -> Iterator[Callable[[], Services]]:
    """Start Homeward over the test database; call again to simulate a restart."""
    started: list[Services] = []

    def start() -> Services:
        services = build_services(settings)
        started.append(services)
        return services

    yield start
    for services in started:
        services.database.dispose()


@pytest.fixture
def services(start_services: Callable[[], Services]) -> Services:
    return start_services()


@pytest.fixture
def app(settings: Settings, services: Services) -> Flask:
    """The web app over the test services (channels' conftests set which channels are on)."""
    return create_app(settings, services)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def person(services: Services, clock: Clock) -> MemoryChannel:
    """Someone writing to Homeward through the memory channel."""
    return MemoryChannel(services.conversations.handle, "person-1", clock)
