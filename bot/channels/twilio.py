"""SMS and WhatsApp through Twilio (being written: see the channels issue)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session, sessionmaker

from bot.channel_settings import TwilioSettings
from bot.conversations import Conversations


def twilio_blueprint(
    settings: TwilioSettings,
    public_url: str,
    conversations: Conversations,
    sessions: sessionmaker[Session],
) -> Blueprint:
    """Routes: POST /hooks/twilio (messages) and POST /hooks/twilio/status (delivery reports)."""
    raise NotImplementedError
