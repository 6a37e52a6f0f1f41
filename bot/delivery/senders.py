"""The outbox senders of the configured channels and partner intakes, built once for a worker."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.core.partners import Intake
from bot.delivery import email, telegram_sender, twilio_sender, webhook
from bot.delivery.deletion_notices import DeletedEmailSender, DeletedWebhookSender
from bot.delivery.referrals import DELETED_EMAIL, DELETED_WEBHOOK
from bot.delivery.telegram_sender import TelegramSender
from bot.delivery.twilio_eraser import TwilioEraser
from bot.delivery.twilio_sender import TwilioSender
from bot.delivery.worker import Sender
from bot.partners import Directory
from bot.settings import Settings

WEBHOOK_TIMEOUT = 15.0  # Standard Webhooks: consumers answer within 15 to 30 seconds
SMTP_TIMEOUT = 20.0


def send_timeout(default: float, lease: timedelta, operations: int = 3) -> float:
    """A sender's timeout (per network operation) that keeps a whole send within the lease.

    A send is a few operations (connect, write, read; SMTP's dialogue; Telegram's two calls),
    each bounded by the timeout: `operations` of them must fit in 90% of the lease, which the
    worker renews to a whole one before a send. Otherwise a slow but living worker would lose
    its row to another, and the partner would receive it twice.
    """
    return min(default, 0.9 * lease.total_seconds() / operations)


def build_senders(
    settings: Settings, sessions: sessionmaker[Session], directory: Directory
) -> dict[str, Sender]:
    """A sender for each kind of message the configured channels and intakes produce."""
    senders: dict[str, Sender] = {}
    lease = settings.worker_lease
    if settings.twilio is not None and settings.public_url is not None:
        twilio_timeout = send_timeout(twilio_sender.TIMEOUT_SECONDS, lease)
        if settings.twilio.sms_from or settings.twilio.messaging_service_sid:
            senders["sms"] = TwilioSender(
                settings.twilio, settings.public_url, sessions, "sms", timeout=twilio_timeout
            )
        if settings.twilio.whatsapp_from:
            senders["whatsapp"] = TwilioSender(
                settings.twilio, settings.public_url, sessions, "whatsapp", timeout=twilio_timeout
            )
        if settings.delete_provider_copies:
            senders[TwilioEraser.kind] = TwilioEraser(settings.twilio)
    if settings.telegram is not None:
        # Its own deadline is four timeouts (getMe, then sendMessage): that is the send.
        telegram_timeout = send_timeout(telegram_sender.DEFAULT_TIMEOUT, lease, operations=4)
        senders["telegram"] = TelegramSender(settings.telegram, timeout=telegram_timeout)

    def intake(partner_id: str) -> Intake | None:
        partner = directory.get(partner_id)
        return partner.intake if partner is not None else None

    # A development machine may run a partner's receiver on loopback; production never may.
    hooks = webhook.WebhookSender(
        intake, send_timeout(WEBHOOK_TIMEOUT, lease), allow_private=settings.development
    )
    senders[webhook.KIND] = hooks
    senders[DELETED_WEBHOOK] = DeletedWebhookSender(hooks)
    mailer: email.EmailSender | email.DevelopmentInbox | None = None
    if settings.smtp_url is not None:
        # SMTP is a dialogue (greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA): six steps
        # (18 seconds each with the default lease).
        smtp_timeout = send_timeout(SMTP_TIMEOUT, lease, operations=6)
        mailer = email.EmailSender(settings.smtp_url, settings.email_from, intake, smtp_timeout)
    elif settings.development:
        # No mail server on a development machine: emails are kept, read at /dev/referrals.
        mailer = email.DevelopmentInbox(settings.email_from, intake)
    if mailer is not None:
        senders[email.KIND] = mailer
        # A person who deleted their data: the partner is told by the same means.
        senders[DELETED_EMAIL] = DeletedEmailSender(mailer, settings.email_from, intake)
    return senders


def close_senders(senders: dict[str, Sender]) -> None:
    """Release what the senders hold (HTTP clients, the Telegram event loop)."""
    for sender in senders.values():
        close = getattr(sender, "close", None)
        if callable(close):
            close()
