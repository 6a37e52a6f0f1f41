"""Settings read once from HOMEWARD_* environment variables; a bad value stops start-up."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
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
from bot.storage.crypto import Keyring, parse_secret_keys
from bot.storage.retention import Limits

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
    # How long a worker holds a row it claimed; a killed worker's rows return after it.
    worker_lease_seconds: float = 120.0
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
    # Field encryption (bot/storage/crypto.py): Fernet keys, the first encrypts; and the key of
    # the fingerprints that addresses are looked up by. Without them, development keeps a key
    # file in var/ and production refuses to start.
    secret_keys: tuple[str, ...] = field(default=(), repr=False)
    hash_key: str = field(default="", repr=False)
    key_file: Path = VAR_DIR / "homeward.keys"
    # Retention, in days (bot/storage/retention.py): unfinished conversations after the last
    # message, referrals after delivery or closing, dedup ids and sent outbox rows.
    retain_unfinished_days: int = 30
    retain_referral_days: int = 90
    retain_log_days: int = 7
    # On DELETE, also delete Twilio's records of the person's SMS or WhatsApp messages
    # (bot/delivery/twilio_eraser.py). Off by default: it deletes data at the provider.
    delete_provider_copies: bool = False

    @property
    def retention(self) -> Limits:
        """The retention limits as the purge applies them."""
        return Limits(
            unfinished=timedelta(days=self.retain_unfinished_days),
            referrals=timedelta(days=self.retain_referral_days),
            logs=timedelta(days=self.retain_log_days),
        )

    # Per-sender limits on inbound messages (bot/limits.py), counted in Redis when it is set
    # (shared by every process; the URL may hold a password) or in each process's memory.
    rate_limit: str = DEFAULT_RATE_LIMIT
    redis_url: str | None = field(default=None, repr=False)
    redis_key_prefix: str = DEFAULT_KEY_PREFIX

    @property
    def development(self) -> bool:
        """Development mode turns on the browser simulator; never use it in production."""
        return self.environment == "development"

    @property
    def worker_lease(self) -> timedelta:
        """How long a worker holds a claimed row (it renews the lease while it works)."""
        return timedelta(seconds=self.worker_lease_seconds)

    @property
    def worker_stale_after(self) -> timedelta:
        """A worker whose last heartbeat is older than this is taken for dead (`/healthz`).

        It beats every few seconds, between sends and between idle waits; a minute leaves
        room for the slowest single send. A long idle interval widens it.
        """
        return timedelta(seconds=max(60.0, 20 * self.worker_idle_seconds))

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
            worker_lease_seconds=_seconds(env, "HOMEWARD_WORKER_LEASE_SECONDS", 120.0, 2.0),
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
            retain_unfinished_days=_days(env, "HOMEWARD_RETAIN_UNFINISHED_DAYS", 30),
            retain_referral_days=_days(env, "HOMEWARD_RETAIN_REFERRAL_DAYS", 90),
            retain_log_days=_days(env, "HOMEWARD_RETAIN_LOG_DAYS", 7),
            delete_provider_copies=_flag(env, "HOMEWARD_DELETE_PROVIDER_COPIES", False),
            **_keys(env),
            rate_limit=_rate_limit(env.get("HOMEWARD_RATE_LIMIT", "")),
            redis_url=_redis_url(env.get("HOMEWARD_REDIS_URL", "")),
            redis_key_prefix=check_key_prefix(
                env.get("HOMEWARD_REDIS_KEY_PREFIX", "").strip() or DEFAULT_KEY_PREFIX
            ),
        )


def _keys(env: Mapping[str, str]) -> dict[str, Any]:
    """HOMEWARD_SECRET_KEYS and HOMEWARD_HASH_KEY, both or neither, checked by building them."""
    secret_keys = parse_secret_keys(env.get("HOMEWARD_SECRET_KEYS", ""))
    hash_key = env.get("HOMEWARD_HASH_KEY", "").strip()
    if not secret_keys and not hash_key:
        return {}
    if not secret_keys or not hash_key:
        missing = "HOMEWARD_HASH_KEY" if secret_keys else "HOMEWARD_SECRET_KEYS"
        raise ConfigError(f"{missing} must be set with the other encryption key setting")
    Keyring(secret_keys, hash_key)  # raises ConfigError naming the variable, never the key
    return {"secret_keys": secret_keys, "hash_key": hash_key}


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


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 3650:
        raise ConfigError(f"{name} must be a number of days from 1 to 3650")
    return int(value)


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


def _seconds(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not minimum <= seconds <= 86400:
        raise ConfigError(f"{name} must be a number of seconds from {minimum:g} to 86400")
    return seconds


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
