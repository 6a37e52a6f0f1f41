"""The outbox senders of the configured channels, built once for a worker."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.telegram_sender import TelegramSender
from bot.delivery.twilio_sender import TwilioSender
from bot.delivery.worker import Sender
from bot.settings import Settings


def build_senders(settings: Settings, sessions: sessionmaker[Session]) -> dict[str, Sender]:
    """A sender for each kind of chat message the configured channels produce."""
    senders: dict[str, Sender] = {}
    if settings.twilio is not None and settings.public_url is not None:
        if settings.twilio.sms_from or settings.twilio.messaging_service_sid:
            senders["sms"] = TwilioSender(settings.twilio, settings.public_url, sessions, "sms")
        if settings.twilio.whatsapp_from:
            senders["whatsapp"] = TwilioSender(
                settings.twilio, settings.public_url, sessions, "whatsapp"
            )
    if settings.telegram is not None:
        senders["telegram"] = TelegramSender(settings.telegram)
    return senders


def close_senders(senders: dict[str, Sender]) -> None:
    """Release what the senders hold (HTTP clients, the Telegram event loop)."""
    for sender in senders.values():
        close = getattr(sender, "close", None)
        if callable(close):
            close()
