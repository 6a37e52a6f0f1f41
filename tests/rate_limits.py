"""The stores the rate limits are tested on: memory always, Redis when HOMEWARD_TEST_REDIS_URL
is set (e.g. redis://127.0.0.1:6379/0; .ci/run sets it). Each test counts under its own key
prefix, so parallel runs on one Redis never meet, and its keys are deleted after."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from flask import Flask
from limits.storage import MemoryStorage, RedisStorage

from bot.limits import EXTENSION
from bot.settings import Settings

REDIS_ENV = "HOMEWARD_TEST_REDIS_URL"
HASHED = re.compile(r"/[0-9a-f]{64}/")


def stores() -> list[str]:
    """The stores the tests run on here."""
    return ["memory", "redis"] if os.environ.get(REDIS_ENV) else ["memory"]


@contextmanager
def on_store(settings: Settings, store: str, rate_limit: str) -> Iterator[Settings]:
    """`settings` counting `rate_limit` on `store`, under a prefix of the test's own."""
    prefix = f"homeward-test-{uuid.uuid4().hex[:12]}"
    limited = replace(settings, rate_limit=rate_limit, redis_key_prefix=prefix)
    if store == "memory":
        yield limited
        return
    url = os.environ.get(REDIS_ENV)
    if not url:  # pragma: no cover - the parameter only exists when the variable is set
        pytest.fail(f"{REDIS_ENV} is not set")
    redis_storage = RedisStorage(url)
    try:
        yield replace(limited, redis_url=url)
    finally:
        client = redis_storage.storage
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)


def stored_keys(app: Flask) -> list[str]:
    """Every key the app's rate limits have written, from Redis or from memory."""
    limits = app.extensions[EXTENSION]
    storage, prefix = limits.storage, limits.key_prefix
    if isinstance(storage, MemoryStorage):
        return [*storage.storage, *storage.events]
    assert isinstance(storage, RedisStorage)
    return [key.decode() for key in storage.storage.scan_iter(match=f"*{prefix}*")]
