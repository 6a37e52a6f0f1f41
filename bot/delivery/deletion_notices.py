"""Telling a partner that a person deleted their data: `referral.deleted`, by webhook or email.

The notice carries the referral's id and reference code, and when it was deleted; nothing
else, because Homeward holds nothing else by then. A webhook receives it signed like a
referral (Standard Webhooks), with `"type": "referral.deleted"` in the body; an email says it
in the partner's language.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

from bot.core.i18n import Text, Translators
from bot.core.partners import Intake
from bot.delivery.referrals import DELETED_EMAIL, DELETED_WEBHOOK
from bot.delivery.worker import PermanentFailure, Sender
from bot.storage.outbox import OutboxItem

logger = logging.getLogger(__name__)

SUBJECT = Text("referral-deleted.subject", "Homeward referral {reference}: deleted")
BODY = Text(
    "referral-deleted.body",
    "The person behind Homeward referral {reference} deleted their data from Homeward on "
    "{date}. Please delete this referral and what you copied from it, as far as your own "
    "obligations allow. Homeward no longer holds any of it.",
)


class Mailer(Protocol):
    """What sends one ready email (EmailSender, or the development inbox)."""

    def send_notice(self, message: EmailMessage, recipient: str) -> None: ...


class DeletedWebhookSender:
    """Posts the notice to the partner's webhook, signed as the referral was."""

    kind = DELETED_WEBHOOK

    def __init__(self, webhook: Sender) -> None:
        self._webhook = webhook

    def send(self, item: OutboxItem) -> str | None:
        """The payload's `document` is the event body; the webhook sender signs and posts it."""
        return self._webhook.send(item)


class DeletedEmailSender:
    """Emails the notice to the partner's intake address."""

    kind = DELETED_EMAIL

    def __init__(
        self,
        mailer: Mailer,
        sender_address: str,
        intakes: Callable[[str], Intake | None],
        translators: Translators | None = None,
    ) -> None:
        self._mailer = mailer
        self._sender = sender_address
        self._intakes = intakes
        self._translators = translators or Translators()

    def send(self, item: OutboxItem) -> None:
        """Build the email from the notice and hand it to the mailer."""
        partner_id = item.payload.get("partner_id")
        try:
            notice = json.loads(str(item.payload.get("document")))
            reference, deleted_at = str(notice["reference"]), str(notice["deleted_at"])
        except (ValueError, KeyError, TypeError):
            raise PermanentFailure("deleted-bad-payload") from None
        intake = self._intakes(partner_id) if isinstance(partner_id, str) else None
        if intake is None or not intake.email:
            raise PermanentFailure("email-not-configured")
        translator = self._translators.get(intake.language)
        message = EmailMessage()
        message["Subject"] = translator.text(SUBJECT, reference=reference)
        message["From"] = self._sender
        message["To"] = intake.email
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(
            translator.text(BODY, reference=reference, date=deleted_at[:10]) + "\n"
        )
        self._mailer.send_notice(message, intake.email)
        logger.info("deletion notice %d emailed to partner %s", item.id, partner_id)
