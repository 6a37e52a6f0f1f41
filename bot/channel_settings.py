"""Settings of the phone channels (Twilio SMS/WhatsApp, Telegram): all set, or none at all."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.core.errors import ConfigError

TWILIO_API_URL = "https://api.twilio.com"
TELEGRAM_API_URL = "https://api.telegram.org"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TELEGRAM_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    """One Twilio account for SMS and/or WhatsApp. Secrets never appear in `repr`."""

    account_sid: str
    auth_token: str = field(repr=False)
    sms_from: str | None = None
    messaging_service_sid: str | None = None
    whatsapp_from: str | None = None  # "whatsapp:+E164"
    whatsapp_template_sid: str | None = None  # ContentSid used outside the 24-hour window
    api_url: str = TWILIO_API_URL


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """One Telegram bot. Secrets never appear in `repr`."""

    token: str = field(repr=False)
    secret: str = field(repr=False)
    api_url: str = TELEGRAM_API_URL


def public_url(env: Mapping[str, str]) -> str | None:
    """HOMEWARD_PUBLIC_URL: the https address the providers call, without a trailing slash."""
    value = (env.get("HOMEWARD_PUBLIC_URL") or "").strip().rstrip("/")
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ConfigError(
            "HOMEWARD_PUBLIC_URL must be an address like https://homeward.example.org"
        )
    return value


def twilio_settings(env: Mapping[str, str], public: str | None) -> TwilioSettings | None:
    """The Twilio settings, None when none is set; a half-set channel names what is missing."""
    names = ("ACCOUNT_SID", "AUTH_TOKEN", "FROM", "MESSAGING_SERVICE_SID", "API_URL")
    given = {name: env.get(f"HOMEWARD_TWILIO_{name}", "").strip() for name in names}
    whatsapp = env.get("HOMEWARD_WHATSAPP_FROM", "").strip()
    template = env.get("HOMEWARD_WHATSAPP_TEMPLATE_SID", "").strip()
    if not any(given.values()) and not whatsapp and not template:
        return None
    for name in ("ACCOUNT_SID", "AUTH_TOKEN"):
        if not given[name]:
            raise ConfigError(
                f"HOMEWARD_TWILIO_{name} is missing (the Twilio channel is half set)"
            )
    if not given["ACCOUNT_SID"].startswith("AC"):
        raise ConfigError("HOMEWARD_TWILIO_ACCOUNT_SID must start with AC")
    if not (given["FROM"] or given["MESSAGING_SERVICE_SID"] or whatsapp):
        raise ConfigError(
            "HOMEWARD_TWILIO_FROM (or HOMEWARD_TWILIO_MESSAGING_SERVICE_SID, or "
            "HOMEWARD_WHATSAPP_FROM) is missing: Twilio needs a number to send from"
        )
    if given["FROM"] and not _E164.match(given["FROM"]):
        raise ConfigError("HOMEWARD_TWILIO_FROM must be a number like +15551234567")
    if given["MESSAGING_SERVICE_SID"] and not given["MESSAGING_SERVICE_SID"].startswith("MG"):
        raise ConfigError("HOMEWARD_TWILIO_MESSAGING_SERVICE_SID must start with MG")
    if whatsapp:
        number = whatsapp.removeprefix("whatsapp:")
        if not _E164.match(number):
            raise ConfigError("HOMEWARD_WHATSAPP_FROM must be a number like whatsapp:+14155238886")
        whatsapp = f"whatsapp:{number}"
    if template and not template.startswith("HX"):
        raise ConfigError("HOMEWARD_WHATSAPP_TEMPLATE_SID must be a Content SID (HX...)")
    if public is None:
        raise ConfigError("HOMEWARD_PUBLIC_URL is missing: Twilio signs requests to that address")
    return TwilioSettings(
        account_sid=given["ACCOUNT_SID"],
        auth_token=given["AUTH_TOKEN"],
        sms_from=given["FROM"] or None,
        messaging_service_sid=given["MESSAGING_SERVICE_SID"] or None,
        whatsapp_from=whatsapp or None,
        whatsapp_template_sid=template or None,
        api_url=_api_url(given["API_URL"], "HOMEWARD_TWILIO_API_URL", TWILIO_API_URL),
    )


def telegram_settings(env: Mapping[str, str], public: str | None) -> TelegramSettings | None:
    """The Telegram settings, None when none is set; a half-set channel names what is missing."""
    token = env.get("HOMEWARD_TELEGRAM_TOKEN", "").strip()
    secret = env.get("HOMEWARD_TELEGRAM_SECRET", "").strip()
    api = env.get("HOMEWARD_TELEGRAM_API_URL", "").strip()
    if not (token or secret or api):
        return None
    if not token:
        raise ConfigError("HOMEWARD_TELEGRAM_TOKEN is missing (the Telegram channel is half set)")
    if not secret:
        raise ConfigError("HOMEWARD_TELEGRAM_SECRET is missing (the Telegram channel is half set)")
    if not _TELEGRAM_TOKEN.match(token):
        raise ConfigError("HOMEWARD_TELEGRAM_TOKEN must look like 123456:ABC... (from @BotFather)")
    if not _TELEGRAM_SECRET.match(secret):
        raise ConfigError(
            "HOMEWARD_TELEGRAM_SECRET must be 1 to 256 characters: letters, digits, _ or -"
        )
    if public is None:
        raise ConfigError("HOMEWARD_PUBLIC_URL is missing: Telegram must know where to call")
    return TelegramSettings(
        token, secret, _api_url(api, "HOMEWARD_TELEGRAM_API_URL", TELEGRAM_API_URL)
    )


def _api_url(value: str, name: str, default: str) -> str:
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an address like {default}")
    return value.rstrip("/")
