"""Telegram through the Bot API: the webhook that turns updates into Inbound messages."""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from flask import Blueprint, Request, Response, jsonify, request
from telegram import Chat

from bot.channel_settings import TelegramSettings
from bot.channels.base import InvalidPayload, receive
from bot.channels.validation import (
    INT64_MAX,
    INT64_MIN,
    clean_text,
    has_control,
    integer,
    locale_hint,
    read_json,
    refuse,
)
from bot.conversations import Conversations
from bot.core.messages import Address, Inbound, Outbound
from bot.delivery.telegram_sender import MAX_BUTTON_DATA, WEBHOOK_PATH, button_of
from bot.limits import limited

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# "/start" may carry a deep-link parameter ("/start campaign-7") or the bot's name
# ("/start@HomewardBot"); either way the person pressed Start.
_START = re.compile(r"/start(@\w+)?(\s.*)?", re.DOTALL)
# An update is a few kilobytes: 4096 characters of text, JSON-escaped, with the message it
# replies to. Nothing Telegram sends comes near this; nothing longer is read.
MAX_BODY = 128_000
# Unix times from 0 (an inaccessible message's date is always 0) to 2100-01-01.
_LATEST_DATE = 4_102_444_800
_CALLBACK_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


class TelegramChannel:
    """Reads one webhook call; make one per request (it remembers what it must answer).

    Only private chats are read: in a group, the screening's questions and answers would be
    shown to every member. Edited messages, channel posts, membership changes and any other
    update type are accepted (200) and ignored, so Telegram does not send them again; so are
    updates that cannot be read (wrong types, ids out of range), with nothing stored.

    The update is read field by field, only the fields Homeward uses, each checked for type
    and range: python-telegram-bot's `Update.de_json` would read every field and fail in
    ways of its own on hostile values (a date of 10**20, a `from` of the wrong type).
    """

    name = CHANNEL
    max_body = MAX_BODY

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
        update = read_json(request.get_data())
        if not isinstance(update, dict):
            refuse("update-not-object", "send one Telegram update: a JSON object")
        update_id = integer(update.get("update_id"), 0, INT64_MAX)
        if update_id is None:
            refuse("update-id", "update_id must be an integer from 0 to 2**63 - 1")
        now = datetime.now(UTC)
        inbound = None
        if update.get("message") is not None:
            inbound = _message(_object(update["message"], "message"), update_id, now)
        elif update.get("callback_query") is not None:
            inbound = self._callback(_object(update["callback_query"], "callback"), update_id, now)
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

    def refuse(self, error: InvalidPayload) -> Response:
        """200, whatever was wrong: any other answer and Telegram sends the update again for a
        day. Nothing was stored; a button's spinner is still stopped if its id could be read."""
        return self.reply([])

    def _callback(
        self, query: Mapping[str, object], update_id: int, now: datetime
    ) -> Inbound | None:
        query_id = query.get("id")
        if not isinstance(query_id, str) or not _CALLBACK_ID.fullmatch(query_id):
            refuse("callback-id", "callback_query.id must be Telegram's id")
        self.callback_query_id = query_id
        sender = _object(query.get("from"), "callback-from")
        user_id = _chat_id(sender.get("id"), "user-id")
        data = query.get("data")
        if data is not None and not isinstance(data, str):
            refuse("callback-data", "callback_query.data must be a string")
        chat = None
        message = query.get("message")
        if message is not None:
            message = _object(message, "callback-message")
            _date(message.get("date"))
            chat = _object(message.get("chat"), "chat")
        button = button_of(data) if data is not None and _ours(data) else None
        if button is None or (chat is not None and chat.get("type") != Chat.PRIVATE):
            return None  # not a button of ours: just stop the spinner
        # In a private chat the chat id is the person's user id.
        chat_id = _chat_id(chat.get("id"), "chat-id") if chat is not None else user_id
        return Inbound(
            Address(CHANNEL, str(chat_id)),
            button.key,
            now,
            _provider_id(chat_id, update_id),
            locale_hint(sender.get("language_code")),
            button=button,
        )


def _message(message: Mapping[str, object], update_id: int, now: datetime) -> Inbound | None:
    _date(message.get("date"))
    chat = _object(message.get("chat"), "chat")
    chat_id = _chat_id(chat.get("id"), "chat-id")
    if chat.get("type") != Chat.PRIVATE:
        return None
    # Media come with an optional caption; a sticker or a voice note reads as "".
    written = message.get("text")
    if written is None:
        written = message.get("caption")
    if written is not None and not isinstance(written, str):
        refuse("text-type", "text and caption must be strings")
    text, truncated = clean_text(written or "")
    if _START.fullmatch(text):
        text = "/start"
    sender = message.get("from")
    user = _object(sender, "message-from") if sender is not None else {}
    return Inbound(
        Address(CHANNEL, str(chat_id)),
        text,
        now,
        _provider_id(chat_id, update_id),
        locale_hint(user.get("language_code")),
        truncated=truncated,
    )


def _provider_id(chat_id: int, update_id: int) -> str:
    """What dedup keys on: the chat and the update id. Telegram restarts update ids at a random
    number after a week without updates, so an id alone could name another chat's message."""
    return f"{chat_id}:{update_id}"


def _object(value: object, code: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        refuse(code, f"{code} must be a JSON object")
    return value


def _chat_id(value: object, code: str) -> int:
    """A chat or user id: Telegram's ids fit in a signed 64-bit integer, and none is 0."""
    chat_id = integer(value, INT64_MIN, INT64_MAX)
    if not chat_id:
        refuse(code, "ids must be non-zero signed 64-bit integers")
    return chat_id


def _date(value: object) -> None:
    if integer(value, 0, _LATEST_DATE) is None:
        refuse("date", "date must be a Unix time before 2100")


def _ours(data: str) -> bool:
    """Whether button data could be what `button_data` made: short and without controls."""
    return not has_control(data) and len(data.encode("utf-8")) <= MAX_BUTTON_DATA


def telegram_blueprint(settings: TelegramSettings, conversations: Conversations) -> Blueprint:
    """Route: POST /hooks/telegram (updates: messages and button presses)."""
    blueprint = Blueprint("telegram", __name__)

    @blueprint.post(WEBHOOK_PATH)
    def hook() -> Response:
        # The replies go to the outbox in the same transaction as the turn; the worker sends.
        return receive(TelegramChannel(settings), limited(conversations.queue), request)

    return blueprint
