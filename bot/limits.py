"""Per-sender rate limits at the channel edge: a flood from one number cannot slow the others.

A channel verifies a request's signature and parses it into Inbound values before it hands
them to its handler; `limited(handler)` puts the limits in between. So a forged request never
counts against a real person, and a message over the limit is neither run through the engine
nor stored: the sender is told once to wait (in their language when the channel hints at it)
and ignored for the rest of the window, with a 200 so the provider does not retry.

Counts are kept under a keyed hash of the sender (HMAC-SHA256), never the address itself, in
Redis when HOMEWARD_REDIS_URL is set (shared by every process) or in this process's memory.
The counting is the `limits` package's, the engine of Flask-Limiter (same stores, same
strategies). Flask-Limiter itself is not on the app: its checks run before the view, before
the signature is checked and the sender known, and its hooks cost every request (a quarter of
the work of dropping a flood message); its breach log line carries the key, too.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from bot.core import texts
from bot.core.errors import ConfigError
from bot.core.i18n import Translators
from bot.core.messages import Address, Inbound, Outbound

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)

# A person answering the screening sends one message per question (about fifteen in all, a
# few more with BACK, HELP or a change of language), and reads each question first; a burst
# of forwarded WhatsApp messages is a handful. 20 a minute leaves room for the fastest of them;
# 200 an hour for several runs. One sender's flood then costs the engine at most 20 turns a
# minute, however fast it comes.
DEFAULT_RATE_LIMIT = "20/minute; 200/hour"
DEFAULT_KEY_PREFIX = "homeward"
EXTENSION = "homeward.limits"
_MAX_HELD = 100_000  # senders held at once, per process (some 25 MB at most)
_KEY_PREFIX = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# Redis answers on a LAN in a millisecond; one that hangs must not hold a webhook for long.
_REDIS_OPTIONS: dict[str, Any] = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 0.5,
    "wrap_exceptions": True,
}

Handler = Callable[[Inbound], tuple[Outbound, ...]]


class Verdict(Enum):
    """What to do with one inbound message."""

    SERVE = "serve"  # under every limit: run it as usual
    NOTICE = "notice"  # the first one over a limit in its window: say "wait", run nothing
    DROP = "drop"  # over a limit and already told: answer nothing, run nothing


def parse_rules(value: str, name: str = "HOMEWARD_RATE_LIMIT") -> tuple[RateLimitItem, ...]:
    """Limits like "20/minute; 200/hour", shortest window first; ConfigError names `name`."""
    try:
        rules = parse_many(value)
    except ValueError as error:
        raise ConfigError(
            f"{name} must be limits like '{DEFAULT_RATE_LIMIT}' (a number per second, minute, "
            "hour or day; several separated by ';')"
        ) from error
    if not rules or any(rule.amount < 1 for rule in rules):
        raise ConfigError(f"{name} must allow at least 1 message per window")
    return tuple(sorted(rules, key=lambda rule: rule.get_expiry()))


def check_key_prefix(value: str, name: str = "HOMEWARD_REDIS_KEY_PREFIX") -> str:
    """A prefix for the counters' keys (letters, digits, _ . : -); ConfigError names `name`."""
    if not _KEY_PREFIX.match(value):
        raise ConfigError(f"{name} must be 1 to 64 letters, digits, '_', '.', ':' or '-'")
    return value


class SenderLimits:
    """Counts each sender's messages under a keyed hash and decides about the next one.

    `secret` is the deployment's key for the hash. Without one, a random key per process is
    used: counts still work, but processes sharing Redis then count apart (and restart from
    zero on a restart), so a deployment with several processes must pass the same key to all.
    """

    def __init__(
        self,
        storage: Storage,
        rules: Sequence[RateLimitItem],
        translators: Translators,
        *,
        secret: bytes | None = None,
        key_prefix: str = DEFAULT_KEY_PREFIX,
    ) -> None:
        self.rules = tuple(rules)
        self.storage = storage
        # The moving window is exact: no burst of twice the limit across a window's edge, and
        # a refused message is not counted. It keeps one timestamp per accepted message.
        self._strategy = MovingWindowRateLimiter(storage)
        self._translators = translators
        self._secret = secret or secrets.token_bytes(32)
        self.key_prefix = key_prefix
        # While the shared store is unreachable, this process counts alone: a flood is still
        # held back, and no person's message is refused because Redis is down.
        self._fallback: MovingWindowRateLimiter | None = None
        self._store_down = False
        # Senders over a limit, and when it reopens (epoch seconds, the store's clock). Their
        # messages until then are dropped without asking the store: a flood costs a lookup
        # here, not a Redis round trip (nor a memory store's expiry thread) per message.
        self._held: dict[str, float] = {}

    def key(self, address: Address) -> str:
        """The sender as the counters know it: an HMAC of channel and address, in hex."""
        sender = f"{address.channel}\x00{address.id}".encode()
        return hmac.new(self._secret, sender, hashlib.sha256).hexdigest()

    def verdict(self, address: Address) -> Verdict:
        """Count one message from `address` and say whether to serve, notify or drop it."""
        key = self.key(address)
        now = time.time()
        if self._held.get(key, 0.0) > now:
            return Verdict.DROP  # told already when the hold began
        for index, rule in enumerate(self.rules):
            if not self._ask("hit", rule, "sender", key):
                # A refused message is not counted, so nothing passes before the window
                # reopens, whatever else this sender sends meanwhile.
                self._hold(key, self._ask("get_window_stats", rule, "sender", key).reset_time)
                # Told once per breached window, and not again for a shorter window while
                # a longer one's notice stands: a notice is a limit of one per window.
                notices = [_notice(longer) for longer in self.rules[index:]]
                untold = all(self._ask("test", notice, "notice", key) for notice in notices)
                if untold and self._ask("hit", notices[0], "notice", key):
                    return Verdict.NOTICE
                return Verdict.DROP
        return Verdict.SERVE

    def admit(self, inbound: Inbound, handler: Handler) -> tuple[Outbound, ...]:
        """`handler(inbound)` when the sender is under the limits; else the notice, or nothing."""
        verdict = self.verdict(inbound.address)
        channel = inbound.address.channel
        if verdict is Verdict.SERVE:
            return handler(inbound)
        if verdict is Verdict.NOTICE:
            logger.warning("sender over the rate limit channel=%s: told to wait", channel)
            return (self.notice(inbound),)
        logger.debug("message over the rate limit dropped channel=%s", channel)
        return ()

    def notice(self, inbound: Inbound) -> Outbound:
        """The "too many messages, wait" reply, in the language the channel hints at."""
        hint = inbound.locale_hint
        locale = self._translators.negotiate([hint]) if hint else None
        return Outbound(self._translators.get(locale or "en").text(texts.TOO_MANY_MESSAGES))

    def _hold(self, key: str, until: float) -> None:
        held = self._held
        if len(held) >= _MAX_HELD:  # a flood from many numbers: forget the holds that ended
            now = time.time()
            for done in [k for k, ends in list(held.items()) if ends <= now]:
                held.pop(done, None)
        if len(held) < _MAX_HELD:
            held[key] = until

    def _ask(self, method: str, rule: RateLimitItem, scope: str, key: str) -> Any:
        """`method` of the strategy ("hit", "test", "get_window_stats") for `key`; from this
        process's memory while the store is unreachable."""
        try:
            answer = getattr(self._strategy, method)(rule, self.key_prefix, scope, key)
        except StorageError as error:
            if not self._store_down:
                logger.warning(
                    "rate-limit store unreachable (%s): counting in this process until it answers",
                    type(error.storage_error).__name__,
                )
                self._store_down = True
            if self._fallback is None:
                self._fallback = MovingWindowRateLimiter(MemoryStorage())
            return getattr(self._fallback, method)(rule, self.key_prefix, scope, key)
        if self._store_down:
            logger.info("rate-limit store answers again")
            self._store_down = False
        return answer


def _notice(rule: RateLimitItem) -> RateLimitItem:
    """One per `rule`'s window."""
    return type(rule)(1, rule.multiples, rule.namespace)


def install(
    app: Flask, settings: Settings, translators: Translators, *, secret: bytes | None = None
) -> SenderLimits:
    """Give `app` the per-sender limits that `limited` handlers check.

    `secret` is the key for hashing senders (see SenderLimits); the deployment's keyring
    gives it. The store is Redis when HOMEWARD_REDIS_URL is set, else this process's memory.
    """
    rules = parse_rules(settings.rate_limit)
    prefix = check_key_prefix(settings.redis_key_prefix)
    if settings.redis_url:
        if secret is None:
            logger.warning("rate limits: no key for hashing senders; each process counts apart")
        storage: Storage = RedisStorage(settings.redis_url, **_REDIS_OPTIONS)
    else:
        storage = MemoryStorage()
    limits = SenderLimits(storage, rules, translators, secret=secret, key_prefix=prefix)
    app.extensions[EXTENSION] = limits
    return limits


def limited(handler: Handler) -> Handler:
    """`handler` behind the app's per-sender limits; call it where a channel has verified and
    parsed a request, so only real senders are counted."""

    def gated(inbound: Inbound) -> tuple[Outbound, ...]:
        limits: SenderLimits = current_app.extensions[EXTENSION]
        return limits.admit(inbound, handler)

    return gated
