"""Per-sender rate limits: the settings, the keyed hash, one notice per window in the sender's
language, the simulator, and a store that is down."""

from __future__ import annotations

import gettext
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from flask import Flask
from limits.storage import MemoryStorage

from bot.app import Services, create_app
from bot.core import texts
from bot.core.errors import ConfigError
from bot.core.i18n import Translators
from bot.core.messages import Address, Inbound, Outbound
from bot.limits import DEFAULT_RATE_LIMIT, SenderLimits, Verdict, install, parse_rules
from bot.settings import Settings
from tests.rate_limits import on_store, stores

MARIA = Address("sms", "+525555550123")
JEAN = Address("whatsapp", "+50955550188")
SPANISH = "Demasiados mensajes a la vez."


class _Spanish(gettext.NullTranslations):
    def pgettext(self, context: str, message: str) -> str:
        return SPANISH if context == texts.TOO_MANY_MESSAGES.context else message


TRANSLATORS = Translators({"en": gettext.NullTranslations(), "es": _Spanish()})


@pytest.fixture(params=stores())
def limits(request: pytest.FixtureRequest) -> Iterator[SenderLimits]:
    """Limits of 2 a second and 3 a minute, on each store."""
    with on_store(Settings(), request.param, "3/minute; 2/second") as settings:
        yield install(Flask(__name__), settings, TRANSLATORS)


def inbound(address: Address, hint: str | None = None) -> Inbound:
    return Inbound(address, "hi", datetime.now(UTC), "id", hint)


# -- settings ---------------------------------------------------------------------------------


def test_the_defaults_count_in_memory_twenty_a_minute_two_hundred_an_hour() -> None:
    settings = Settings.from_env({})
    assert settings.rate_limit == DEFAULT_RATE_LIMIT and settings.redis_url is None
    assert [(r.amount, r.get_expiry()) for r in parse_rules(settings.rate_limit)] == [
        (20, 60),
        (200, 3600),
    ]


def test_limits_and_redis_are_read_and_the_url_is_never_shown() -> None:
    settings = Settings.from_env(
        {
            "HOMEWARD_RATE_LIMIT": "5 per minute, 50 per day",
            "HOMEWARD_REDIS_URL": "rediss://:s3cret@cache.internal:6380/2",
            "HOMEWARD_REDIS_KEY_PREFIX": "homeward-staging",
        }
    )
    assert [(r.amount, r.get_expiry()) for r in parse_rules(settings.rate_limit)] == [
        (5, 60),
        (50, 86400),
    ]
    assert settings.redis_url == "rediss://:s3cret@cache.internal:6380/2"
    assert settings.redis_key_prefix == "homeward-staging"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"HOMEWARD_RATE_LIMIT": "many"}, "HOMEWARD_RATE_LIMIT"),
        ({"HOMEWARD_RATE_LIMIT": "20/fortnight"}, "HOMEWARD_RATE_LIMIT"),
        ({"HOMEWARD_RATE_LIMIT": "0/minute"}, "HOMEWARD_RATE_LIMIT"),
        ({"HOMEWARD_REDIS_URL": "http://127.0.0.1:6379"}, "HOMEWARD_REDIS_URL"),
        ({"HOMEWARD_REDIS_URL": "redis://"}, "HOMEWARD_REDIS_URL"),
        ({"HOMEWARD_REDIS_URL": "redis://[::1"}, "HOMEWARD_REDIS_URL"),
        ({"HOMEWARD_REDIS_KEY_PREFIX": "two words"}, "HOMEWARD_REDIS_KEY_PREFIX"),
    ],
)
def test_a_wrong_value_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named) as raised:
        Settings.from_env(env)
    assert "::1" not in str(raised.value)  # a Redis URL may hold a password: never echoed


# -- the counting -----------------------------------------------------------------------------


def test_senders_are_counted_under_a_keyed_hash() -> None:
    store = MemoryStorage()
    one = SenderLimits(store, (), TRANSLATORS, secret=b"k" * 32)
    same = SenderLimits(store, (), TRANSLATORS, secret=b"k" * 32)
    other = SenderLimits(store, (), TRANSLATORS, secret=b"j" * 32)
    unkeyed = SenderLimits(store, (), TRANSLATORS)
    assert one.key(MARIA) == same.key(MARIA) != one.key(JEAN)
    assert len({one.key(MARIA), other.key(MARIA), unkeyed.key(MARIA)}) == 3
    assert one.key(MARIA) != one.key(Address("whatsapp", MARIA.id))
    assert "5555550123" not in one.key(MARIA) and len(one.key(MARIA)) == 64


def test_one_notice_per_breached_window_then_silence(limits: SenderLimits) -> None:
    served = Verdict.SERVE
    assert [limits.verdict(MARIA) for _ in range(4)] == [
        served,
        served,
        Verdict.NOTICE,  # the second's limit
        Verdict.DROP,
    ]
    assert limits.verdict(JEAN) is served
    time.sleep(1.1)  # the second's window has passed; the minute's has not
    assert [limits.verdict(MARIA) for _ in range(3)] == [
        served,  # her third of the minute
        Verdict.NOTICE,  # the minute's limit: a window of its own, told once
        Verdict.DROP,  # over the second's limit again, but told for the minute already
    ]


def test_an_unserved_message_runs_nothing_and_the_notice_speaks_the_hinted_language(
    limits: SenderLimits,
) -> None:
    handled: list[Inbound] = []

    def handler(message: Inbound) -> tuple[Outbound, ...]:
        handled.append(message)
        return (Outbound("answer"),)

    mexico = Address("sms", "+525555550999")
    assert limits.admit(inbound(mexico, "es-MX"), handler) == (Outbound("answer"),)
    assert limits.admit(inbound(mexico, "es-MX"), handler) == (Outbound("answer"),)
    assert limits.admit(inbound(mexico, "es-MX"), handler) == (Outbound(SPANISH),)
    assert limits.admit(inbound(mexico, "es-MX"), handler) == ()
    assert len(handled) == 2
    english = texts.TOO_MANY_MESSAGES.source
    assert limits.notice(inbound(MARIA, None)) == Outbound(english)
    assert limits.notice(inbound(MARIA, "xx")) == Outbound(english)


def test_the_simulator_is_limited_too(services: Services, settings: Settings) -> None:
    client = create_app(replace(settings, rate_limit="2/minute"), services).test_client()

    def say(address: str) -> list[str]:
        answer = client.post("/simulator/messages", json={"address": address, "text": "hi"})
        assert answer.status_code == 200
        return [reply["text"] for reply in answer.get_json()["replies"]]

    assert say("web-1")[0].startswith("Welcome to Homeward")
    say("web-1")
    assert say("web-1") == [texts.TOO_MANY_MESSAGES.source]
    assert say("web-1") == []
    assert say("web-2")[0].startswith("Welcome to Homeward")


def test_a_store_that_is_down_refuses_no_one_and_still_holds_a_flood_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed = Settings(rate_limit="2/minute", redis_url="redis://127.0.0.1:1/0")
    limits = install(Flask(__name__), closed, TRANSLATORS, secret=b"k" * 32)
    with caplog.at_level(logging.INFO, logger="bot.limits"):
        verdicts = [limits.verdict(MARIA) for _ in range(4)]
    assert verdicts == [Verdict.SERVE, Verdict.SERVE, Verdict.NOTICE, Verdict.DROP]
    unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(unreachable) == 1 and unreachable[0].levelname == "WARNING"
