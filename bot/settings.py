"""Settings read once from HOMEWARD_* environment variables; a bad value stops start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from bot.channel_settings import (
    TelegramSettings,
    TwilioSettings,
    public_url,
    telegram_settings,
    twilio_settings,
)
from bot.core.errors import ConfigError
from bot.limits import DEFAULT_KEY_PREFIX, DEFAULT_RATE_LIMIT, check_key_prefix, parse_rules
from bot.locales import shipped_locales

Environment = Literal["development", "production"]
VAR_DIR = Path("var")
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'homeward.db'}"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, validated. Build it with `from_env` or directly in tests."""

    database_url: str = DEFAULT_DATABASE_URL
    environment: Environment = "production"
    host: str = "127.0.0.1"
    port: int = 8000
    start_flow: str = "screening"
    flows_dir: Path | None = None
    run_worker: bool = True
    worker_idle_seconds: float = 0.5
    public_url: str | None = None
    twilio: TwilioSettings | None = None
    telegram: TelegramSettings | None = None
    partners_file: Path | None = None
    fallback_partner: str | None = None
    smtp_url: str | None = field(default=None, repr=False)
    email_from: str = "referrals@homeward.invalid"
    # The locales a person may choose (None: every shipped catalog); English is always offered.
    languages: tuple[str, ...] | None = None
    # Locales whose SMS have the accents GSM-7 lacks folded away (cheaper, plainer spelling).
    sms_fold_accents: frozenset[str] = frozenset()
    # How a person reaches the coalition when no legal group can receive a referral (a
    # phone number or a web address, as people should read it).
    coalition_contact: str = ""
    # Per-sender limits on inbound messages (bot/limits.py), counted in Redis when it is set
    # (shared by every process; the URL may hold a password) or in each process's memory.
    rate_limit: str = DEFAULT_RATE_LIMIT
    redis_url: str | None = field(default=None, repr=False)
    redis_key_prefix: str = DEFAULT_KEY_PREFIX

    @property
    def development(self) -> bool:
        """Development mode turns on the browser simulator; never use it in production."""
        return self.environment == "development"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read HOMEWARD_* variables; unknown values stop with a message naming the variable."""
        env = os.environ if env is None else env
        environment = env.get("HOMEWARD_ENV", "production")
        if environment not in ("development", "production"):
            raise ConfigError("HOMEWARD_ENV must be 'development' or 'production'")
        flows_dir = env.get("HOMEWARD_FLOWS_DIR")
        if flows_dir and not Path(flows_dir).is_dir():
            raise ConfigError("HOMEWARD_FLOWS_DIR must name an existing directory")
        public = public_url(env)
        partners = env.get("HOMEWARD_PARTNERS_FILE")
        if partners and not Path(partners).is_file():
            raise ConfigError("HOMEWARD_PARTNERS_FILE must name an existing file")
        partners_file = Path(partners) if partners else None
        return cls(
            database_url=env.get("HOMEWARD_DATABASE_URL") or DEFAULT_DATABASE_URL,
            environment=environment,  # type: ignore[arg-type]  # checked above
            host=env.get("HOMEWARD_HOST") or "127.0.0.1",
            port=_port(env.get("HOMEWARD_PORT", "8000")),
            start_flow=env.get("HOMEWARD_START_FLOW") or "screening",
            flows_dir=Path(flows_dir) if flows_dir else None,
            run_worker=_flag(env, "HOMEWARD_RUN_WORKER", True),
            public_url=public,
            twilio=twilio_settings(env, public),
            telegram=telegram_settings(env, public),
            partners_file=partners_file,
            fallback_partner=env.get("HOMEWARD_FALLBACK_PARTNER") or None,
            smtp_url=env.get("HOMEWARD_SMTP_URL") or None,
            email_from=_email(env.get("HOMEWARD_EMAIL_FROM") or "referrals@homeward.invalid"),
            languages=_locales(env, "HOMEWARD_LANGUAGES") or None,
            sms_fold_accents=frozenset(_locales(env, "HOMEWARD_SMS_FOLD_ACCENTS")),
            coalition_contact=(env.get("HOMEWARD_COALITION_CONTACT") or "").strip(),
            rate_limit=_rate_limit(env.get("HOMEWARD_RATE_LIMIT", "")),
            redis_url=_redis_url(env.get("HOMEWARD_REDIS_URL", "")),
            redis_key_prefix=check_key_prefix(
                env.get("HOMEWARD_REDIS_KEY_PREFIX", "").strip() or DEFAULT_KEY_PREFIX
            ),
        )


def _locales(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of shipped locales ("es,ht,pt_BR"), or "all" of them."""
    value = env.get(name, "").strip()
    if not value:
        return ()
    shipped = shipped_locales()
    if value.lower() == "all":
        return shipped
    found = tuple(dict.fromkeys(code.strip() for code in value.split(",") if code.strip()))
    unknown = [code for code in found if code not in shipped]
    if unknown:
        raise ConfigError(
            f"{name} names {', '.join(unknown)}, which Homeward has no catalog for "
            f"(locales: {', '.join(shipped)})"
        )
    return found


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError("HOMEWARD_PORT must be a port number from 1 to 65535")
    return int(value)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false")


def _rate_limit(value: str) -> str:
    value = value.strip() or DEFAULT_RATE_LIMIT
    parse_rules(value)  # stops start-up on a limit it cannot read
    return value


def _redis_url(value: str) -> str | None:
    """redis://, rediss:// (TLS) or redis+unix:// (a socket); never echoed, it may hold a
    password."""
    value = value.strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("redis", "rediss", "redis+unix") or not (parts.netloc or parts.path):
        raise ConfigError(
            "HOMEWARD_REDIS_URL must be an address like redis://127.0.0.1:6379/0 "
            "(or rediss:// for TLS, redis+unix:///path/to/socket)"
        )
    return value


def _email(value: str) -> str:
    if value.count("@") != 1 or " " in value or value.startswith("@") or value.endswith("@"):
        raise ConfigError("HOMEWARD_EMAIL_FROM must be an email address")
    return value
