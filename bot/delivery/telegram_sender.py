"""Sends Telegram messages from the outbox with one long-lived Bot (being written)."""

from __future__ import annotations

from bot.channel_settings import TelegramSettings
from bot.storage.outbox import OutboxItem


class TelegramSender:
    """Owns one python-telegram-bot `Bot` on its own event loop thread."""

    kind = "telegram"

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings

    def send(self, item: OutboxItem) -> str | None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop the event loop thread and close the Bot's HTTP client."""


def set_webhook(settings: TelegramSettings, public_url: str) -> str:
    """Register PUBLIC_URL/hooks/telegram with Telegram; returns the URL registered."""
    raise NotImplementedError
