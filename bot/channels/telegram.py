"""Telegram through the Bot API: the webhook that turns updates into Inbound messages."""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Request, Response, jsonify, request
from telegram import Chat, Update

from bot.channel_settings import TelegramSettings
from bot.channels.base import InvalidPayload, receive
from bot.conversations import Conversations
from bot.core.messages import Address, Inbound, Outbound
from bot.delivery.telegram_sender import WEBHOOK_PATH, button_of
from bot.limits import limited

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# "/start" may carry a deep-link parameter ("/start campaign-7") or the bot's name
# ("/start@HomewardBot"); either way the person pressed Start.
_START = re.compile(r"/start(@\w+)?(\s.*)?", re.DOTALL)


class TelegramChannel:
    """Reads one webhook call; make one per request (it remembers what it must answer).

    Only private chats are read: in a group, the screening's questions and answers would be
    shown to every member. Edited messages, channel posts, membership changes and any other
    update type are accepted (200) and ignored, so Telegram does not send them again.
    """

    name = CHANNEL

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        self.callback_query_id: str | None = None
        self.chat_id: str | None = None

    def verify(self, request: Request) -> bool:
        """The secret Telegram was given by `homeward telegram set-webhook`, compared safely."""
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return False
        # Bytes, so a non-ASCII header is a mismatch and not a TypeError.
        return hmac.compare_digest(given.encode("utf-8"), self.settings.secret.encode("utf-8"))

    def parse(self, request: Request) -> list[Inbound]:
        """The person's message or button press in the update; nothing for other updates."""
        data: Any = request.get_json(force=True, silent=True)
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            raise InvalidPayload("send one Telegram update: a JSON object with an update_id")
        try:
            update = Update.de_json(data, None)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidPayload("the update cannot be read") from error
        inbound = self._inbound(update, datetime.now(UTC))
        self.chat_id = inbound.address.id if inbound is not None else None
        return [inbound] if inbound is not None else []

    def reply(self, replies: Sequence[Outbound]) -> Response:
        """An answer Telegram runs for us: answerCallbackQuery stops the button's spinner.

        What the person reads goes through the outbox (the handler queues it), never here;
        only the rate limit's "wait" notice comes back, and rides in this answer so that
        nothing is stored for a message that was not read (bot/limits.py).
        """
        text = "\n\n".join(reply.as_plain_text() for reply in replies)
        if self.callback_query_id is not None:
            if text:  # an alert over the chat; Telegram takes at most 200 characters
                return jsonify(
                    method="answerCallbackQuery",
                    callback_query_id=self.callback_query_id,
                    text=text[:200],
                    show_alert=True,
                )
            return jsonify(method="answerCallbackQuery", callback_query_id=self.callback_query_id)
        if text and self.chat_id is not None:
            return jsonify(method="sendMessage", chat_id=int(self.chat_id), text=text)
        return jsonify({})

    def _inbound(self, update: Update, now: datetime) -> Inbound | None:
        provider_id = str(update.update_id)
        if update.message is not None:
            message = update.message
            if message.chat.type != Chat.PRIVATE:
                return None
            # Media come with an optional caption; a sticker or a voice note reads as "".
            text = message.text if message.text is not None else (message.caption or "")
            if _START.fullmatch(text):
                text = "/start"
            user = message.from_user
            return Inbound(
                Address(CHANNEL, str(message.chat.id)),
                text,
                now,
                provider_id,
                user.language_code if user is not None else None,
            )
        if update.callback_query is not None:
            query = update.callback_query
            self.callback_query_id = query.id
            button = button_of(query.data)
            chat = query.message.chat if query.message is not None else None
            if button is None or (chat is not None and chat.type != Chat.PRIVATE):
                return None  # not a button of ours: just stop the spinner
            # In a private chat the chat id is the person's user id.
            chat_id = chat.id if chat is not None else query.from_user.id
            return Inbound(
                Address(CHANNEL, str(chat_id)),
                button.key,
                now,
                provider_id,
                query.from_user.language_code,
                button=button,
            )
        return None


def telegram_blueprint(settings: TelegramSettings, conversations: Conversations) -> Blueprint:
    """Route: POST /hooks/telegram (updates: messages and button presses)."""
    blueprint = Blueprint("telegram", __name__)

    @blueprint.post(WEBHOOK_PATH)
    def hook() -> Response:
        # The replies go to the outbox in the same transaction as the turn; the worker sends.
        return receive(TelegramChannel(settings), limited(conversations.queue), request)

    return blueprint
