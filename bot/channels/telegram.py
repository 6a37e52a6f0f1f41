"""Telegram through the Bot API (being written: see the channels issue)."""

from __future__ import annotations

from flask import Blueprint

from bot.channel_settings import TelegramSettings
from bot.conversations import Conversations


def telegram_blueprint(settings: TelegramSettings, conversations: Conversations) -> Blueprint:
    """Route: POST /hooks/telegram (updates: messages and button presses)."""
    raise NotImplementedError
