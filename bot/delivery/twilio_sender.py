"""Sends SMS and WhatsApp messages from the outbox with Twilio's REST client (being written)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.channel_settings import TwilioSettings
from bot.storage.outbox import OutboxItem


class TwilioSender:
    """One sender per kind: "sms" or "whatsapp"."""

    def __init__(
        self,
        settings: TwilioSettings,
        public_url: str,
        sessions: sessionmaker[Session],
        kind: str,
    ) -> None:
        self.kind = kind

    def send(self, item: OutboxItem) -> str | None:
        raise NotImplementedError

    def close(self) -> None:
        """Release the HTTP connections."""
