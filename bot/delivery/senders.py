"""The outbox senders of the configured channels and partner intakes, built once for a worker."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.core.partners import Intake
from bot.delivery import email, webhook
from bot.delivery.telegram_sender import TelegramSender
from bot.delivery.twilio_eraser import TwilioEraser
from bot.delivery.twilio_sender import TwilioSender
from bot.delivery.worker import Sender
from bot.partners import Directory
from bot.settings import Settings


def build_senders(
    settings: Settings, sessions: sessionmaker[Session], directory: Directory
) -> dict[str, Sender]:
    """A sender for each kind of message the configured channels and intakes produce."""
    senders: dict[str, Sender] = {}
    if settings.twilio is not None and settings.public_url is not None:
        if settings.twilio.sms_from or settings.twilio.messaging_service_sid:
            senders["sms"] = TwilioSender(settings.twilio, settings.public_url, sessions, "sms")
        if settings.twilio.whatsapp_from:
            senders["whatsapp"] = TwilioSender(
                settings.twilio, settings.public_url, sessions, "whatsapp"
            )
        if settings.delete_provider_copies:
            senders[TwilioEraser.kind] = TwilioEraser(settings.twilio)
    if settings.telegram is not None:
        senders["telegram"] = TelegramSender(settings.telegram)

    def intake(partner_id: str) -> Intake | None:
        partner = directory.get(partner_id)
        return partner.intake if partner is not None else None

    # A development machine may run a partner's receiver on loopback; production never may.
    senders[webhook.KIND] = webhook.WebhookSender(intake, allow_private=settings.development)
    if settings.smtp_url is not None:
        senders[email.KIND] = email.EmailSender(settings.smtp_url, settings.email_from, intake)
    elif settings.development:
        # No mail server on a development machine: emails are kept, read at /dev/referrals.
        senders[email.KIND] = email.DevelopmentInbox(settings.email_from, intake)
    return senders


def close_senders(senders: dict[str, Sender]) -> None:
    """Release what the senders hold (HTTP clients, the Telegram event loop)."""
    for sender in senders.values():
        close = getattr(sender, "close", None)
        if callable(close):
            close()
