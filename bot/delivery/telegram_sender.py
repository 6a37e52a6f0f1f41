"""Sends Telegram messages from the outbox with one long-lived Bot on its own event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot.channel_settings import TelegramSettings
from bot.core.errors import HomewardError
from bot.core.messages import Button, Outbound
from bot.delivery import chat
from bot.delivery.worker import PermanentFailure, RetryLater
from bot.storage.outbox import OutboxItem

# python-telegram-bot 22 warns on every read of a time period given as a number (such as
# RetryAfter.retry_after) unless PTB_TIMEDELTA opts in to the coming `timedelta`; it reads the
# variable at each access. Opt in, unless the operator said otherwise; `_seconds` takes both.
os.environ.setdefault("PTB_TIMEDELTA", "true")

logger = logging.getLogger(__name__)

T = TypeVar("T")

WEBHOOK_PATH = "/hooks/telegram"
# setWebhook's allowed_updates persists on Telegram's side: name every type the channel reads.
ALLOWED_UPDATES = ("message", "callback_query")
MAX_BUTTON_DATA = 64  # bytes: Telegram refuses longer callback_data
DEFAULT_TIMEOUT = 10.0  # seconds, for each of connect, write, read and waiting for a connection

# httpx logs each request's URL at INFO and Telegram's URLs carry the bot token; PTB logs the
# API URL and every call's parameters (chat ids, texts) at DEBUG. None of it may reach the logs,
# not even with `homeward -v`.
_VENDOR_LOG_FLOORS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
}


class WebhookNotSet(HomewardError):
    """Telegram did not take the webhook; the message says why, without the token."""


def button_data(question: str, key: str) -> str | None:
    """What a choice button carries back when pressed: the same in every language.

    None when it would pass Telegram's 64-byte limit (the choices are then shown as text).
    """
    data = f"{question}:{key}"
    return data if len(data.encode("utf-8")) <= MAX_BUTTON_DATA else None


def button_of(data: str | None) -> Button | None:
    """The press that `button_data` encoded, or None for data we did not make."""
    question, colon, key = (data or "").partition(":")
    return Button(question, key) if colon and question and key else None


def keyboard(outbound: Outbound) -> InlineKeyboardMarkup | None:
    """One numbered button per row for the reply's choices; None when it has none to offer."""
    if not outbound.choices or outbound.question is None:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for number, choice in enumerate(outbound.choices, 1):
        data = button_data(outbound.question, choice.key)
        if data is None:
            return None
        rows.append([InlineKeyboardButton(f"{number}. {choice.label}", callback_data=data)])
    return InlineKeyboardMarkup(rows)


class TelegramSender:
    """Owns one python-telegram-bot `Bot` on its own event loop thread.

    PTB is asyncio-only and the worker is not: every call runs on this sender's loop, and the
    Bot (with its HTTP client) never meets another loop. Call `close()` when done.
    """

    kind = "telegram"

    def __init__(self, settings: TelegramSettings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.settings = settings
        self._timeout = timeout
        # A safety net above the per-operation HTTP timeouts: getMe once, then sendMessage.
        self._deadline = 4 * timeout
        self._closed = False
        _keep_secrets_out_of_logs()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="telegram-sender", daemon=True
        )
        self._thread.start()
        self._bot = self._run(_create_bot(settings, timeout))
        self._initializing = asyncio.Lock()  # one getMe, even when several threads send at once

    def send(self, item: OutboxItem) -> str | None:
        """Send one outbox part as plain text (no parse mode), with its choices as buttons.

        Returns "<chat id>:<message id>": Telegram numbers messages per chat, and the outbox
        needs an id that no other chat's message shares.
        """
        if self._closed:
            raise RetryLater(None, "telegram-sender-closed")
        outbound = chat.outbound_of(dict(item.payload))
        chat_id = str(item.payload["address"])
        markup = keyboard(outbound)
        # Without buttons the choices are numbered lines, which the engine reads as answers.
        text = outbound.text if markup is not None else outbound.as_plain_text()
        try:
            message = self._run(self._send_message(chat_id, text, markup))
        except RetryAfter as error:
            raise RetryLater(_seconds(error), "telegram-429") from error
        except Forbidden as error:
            # Blocked by the person (or the account is gone): no message can reach them now.
            raise PermanentFailure("telegram-forbidden", opted_out=True) from error
        except InvalidToken as error:
            # Not the message's fault: keep it until the operator fixes the token.
            logger.error("Telegram refused the bot token: check HOMEWARD_TELEGRAM_TOKEN")
            raise RetryLater(None, "telegram-unauthorized") from error
        except ChatMigrated as error:
            raise PermanentFailure("telegram-chat-migrated") from error
        except BadRequest as error:
            raise PermanentFailure("telegram-400") from error
        except (TimedOut, TimeoutError) as error:
            # Telegram may have delivered it anyway; the Bot API has no idempotency key.
            raise RetryLater(None, "telegram-timeout") from error
        except NetworkError as error:
            raise RetryLater(None, "telegram-network") from error
        except TelegramError as error:
            raise RetryLater(None, "telegram-error") from error
        return f"{message.chat_id}:{message.message_id}"

    def close(self) -> None:
        """Stop the event loop thread and close the Bot's HTTP client."""
        if self._closed:
            return
        self._closed = True
        try:
            self._run(self._bot.shutdown())
        except (TelegramError, TimeoutError):
            logger.warning("Telegram client did not shut down cleanly")
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=self._deadline)
            if self._thread.is_alive():
                logger.warning("Telegram sender thread did not stop")
            else:
                self._loop.close()

    async def _send_message(
        self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None
    ) -> Message:
        async with asyncio.timeout(self._deadline):
            async with self._initializing:
                await self._bot.initialize()  # getMe, once: checks the token
            return await self._bot.send_message(chat_id, text, reply_markup=markup)

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(self._deadline + 5)
        except TimeoutError:
            future.cancel()
            raise


def set_webhook(settings: TelegramSettings, public_url: str) -> str:
    """Register PUBLIC_URL/hooks/telegram with Telegram; returns the URL registered.

    Telegram then sends every update there with the secret in X-Telegram-Bot-Api-Secret-Token,
    and only the update types the channel reads.
    """
    url = public_url.rstrip("/") + WEBHOOK_PATH
    _keep_secrets_out_of_logs()

    async def register() -> None:
        async with await _create_bot(settings, DEFAULT_TIMEOUT) as bot:
            await bot.set_webhook(
                url, secret_token=settings.secret, allowed_updates=list(ALLOWED_UPDATES)
            )

    try:
        # A Bot of its own on a fresh loop, nothing shared with a sender; in a thread of its
        # own, so it also works where the caller already runs a loop (Playwright's sync API).
        with ThreadPoolExecutor(1, thread_name_prefix="telegram-webhook") as pool:
            pool.submit(asyncio.run, register()).result()
    except InvalidToken:
        # PTB's message quotes the token: say it in our own words, without the cause.
        raise WebhookNotSet("Telegram refused HOMEWARD_TELEGRAM_TOKEN") from None
    except BadRequest as error:
        # Telegram's own reason ("bad webhook: ..."), which names no secret.
        raise WebhookNotSet(f"Telegram refused the webhook: {error.message}") from None
    except (NetworkError, TelegramError) as error:
        raise WebhookNotSet(
            f"cannot reach Telegram at {settings.api_url} ({type(error).__name__})"
        ) from None
    return url


async def _create_bot(settings: TelegramSettings, timeout: float) -> Bot:
    # Built on the loop that will use it: its HTTP client must never meet another loop.
    def request() -> HTTPXRequest:
        return HTTPXRequest(
            connection_pool_size=8,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
        )

    return Bot(
        settings.token,
        base_url=f"{settings.api_url}/bot",
        base_file_url=f"{settings.api_url}/file/bot",
        request=request(),
        get_updates_request=request(),
    )


def _seconds(error: RetryAfter) -> float:
    value: int | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _keep_secrets_out_of_logs() -> None:
    for name, floor in _VENDOR_LOG_FLOORS.items():
        vendor = logging.getLogger(name)
        if vendor.level < floor:
            vendor.setLevel(floor)
