"""Sends SMS and WhatsApp messages from the outbox with Twilio's REST client."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

# twilio ships no type hints (no py.typed): its names are Any to mypy.
from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from bot.channel_settings import TWILIO_API_URL, TwilioSettings
from bot.core.errors import ConfigError, HomewardError
from bot.delivery import chat
from bot.delivery.shared import retry_after_seconds
from bot.delivery.worker import PermanentFailure, RetryLater
from bot.storage.models import Contact
from bot.storage.outbox import OutboxItem

logger = logging.getLogger(__name__)

KINDS = ("sms", "whatsapp")
TIMEOUT_SECONDS = 10.0  # TwilioHttpClient waits forever by default
STATUS_PATH = "/hooks/twilio/status"  # served by bot.channels.twilio (a layer above: not imported)
WHATSAPP_PREFIX = "whatsapp:"
# WhatsApp accepts free text only within 24 hours of the person's last message. The margin
# covers the time between our check and Twilio's: a message sent at 23:59 would fail (63016).
WHATSAPP_WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=5)
# The variables of the approved template sent outside the window ("{{1}} has a message...").
TEMPLATE_VARIABLES = {"1": "Homeward"}
OPTED_OUT = 21610
WINDOW_CLOSED = "whatsapp-window-closed"


class _HttpClient(TwilioHttpClient):  # type: ignore[misc]  # TwilioHttpClient is Any
    """Twilio's HTTP client with a timeout, an API address of our choice, and Retry-After.

    Twilio raises TwilioRestException without the response headers, so the Retry-After of
    the last answer is kept here for the sender to read (one sender is used by one thread).
    """

    def __init__(self, api_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        # Twilio's own address is left alone; any other (a test server, a proxy) replaces
        # scheme and host of every request, whatever host the client library chose.
        self._base = None if api_url == TWILIO_API_URL else urlsplit(api_url)
        self.retry_after: float | None = None

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Any:
        self.retry_after = None
        if self._base is not None:
            parts = urlsplit(url)
            path = self._base.path.rstrip("/") + parts.path
            url = urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))
        response = super().request(
            method, url, params, data, headers, auth, timeout, allow_redirects
        )
        self.retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        return response

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether WhatsApp still takes free text: the person wrote within the last 24 hours."""
    return last_inbound_at is not None and now - last_inbound_at < WHATSAPP_WINDOW - WINDOW_MARGIN


class TwilioSender:
    """One sender per kind: "sms" or "whatsapp"."""

    def __init__(
        self,
        settings: TwilioSettings,
        public_url: str,
        sessions: sessionmaker[Session],
        kind: str,
        *,
        timeout: float | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ConfigError(f"a Twilio sender sends sms or whatsapp, not {kind!r}")
        if kind == "sms" and not (settings.sms_from or settings.messaging_service_sid):
            raise ConfigError("HOMEWARD_TWILIO_FROM (or HOMEWARD_TWILIO_MESSAGING_SERVICE_SID)")
        if kind == "whatsapp" and not settings.whatsapp_from:
            raise ConfigError("HOMEWARD_WHATSAPP_FROM is missing: WhatsApp needs a sender")
        self.kind = kind
        self._settings = settings
        self._status_callback = public_url + STATUS_PATH
        self._sessions = sessions
        self._http = _HttpClient(settings.api_url, timeout or TIMEOUT_SECONDS)
        # A mapping of our own as the environment: the client would otherwise read TWILIO_*
        # variables of the process, and TWILIO_EDGE / TWILIO_REGION re-route every request.
        self._client = Client(
            settings.account_sid,
            settings.auth_token,
            http_client=self._http,
            environment={"HOMEWARD_TWILIO": "isolated"},
        )

    def send(self, item: OutboxItem) -> str | None:
        """Send one reply part; returns the message SID. Raises RetryLater/PermanentFailure."""
        address = str(item.payload.get("address") or "").removeprefix(WHATSAPP_PREFIX)
        if not address or "text" not in item.payload:
            raise PermanentFailure("twilio-bad-payload")
        body = chat.outbound_of(dict(item.payload)).as_plain_text()
        # Opted-out contacts never get here: the worker drops their chat messages first.
        params = self._params(address, body, self._last_inbound(item.contact_id))
        try:
            message = self._client.messages.create(**params)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise self._failure(int(exc.status), exc.code) from exc
        except requests.exceptions.Timeout as exc:  # before ConnectionError: ConnectTimeout
            raise RetryLater(None, "twilio-timeout") from exc
        except requests.exceptions.ConnectionError as exc:
            raise RetryLater(None, "twilio-connection") from exc
        sid = message.sid
        return str(sid) if sid else None

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    def _last_inbound(self, contact_id: int | None) -> datetime | None:
        """When the person last wrote (WhatsApp's 24-hour window starts there)."""
        if contact_id is None:
            return None
        with self._sessions() as session:
            return session.scalar(select(Contact.last_inbound_at).where(Contact.id == contact_id))

    def _params(self, to: str, body: str, last_inbound_at: datetime | None) -> dict[str, Any]:
        settings = self._settings
        params: dict[str, Any] = {"status_callback": self._status_callback}
        if self.kind == "sms":
            params.update(to=to, body=body, smart_encoded=True)
            if settings.sms_from:
                params["from_"] = settings.sms_from
            if settings.messaging_service_sid:
                # With both set, Twilio sends from sms_from within the service (and its
                # Advanced Opt-Out); with the service alone, it picks from its pool.
                params["messaging_service_sid"] = settings.messaging_service_sid
            return params
        params.update(to=WHATSAPP_PREFIX + to, from_=settings.whatsapp_from)
        if window_open(last_inbound_at, datetime.now(UTC)):
            params["body"] = body
        elif settings.whatsapp_template_sid:
            # Outside the window only an approved template may open the conversation; the
            # person's reply opens the window again. Free text here would fail with 63016.
            params.update(
                content_sid=settings.whatsapp_template_sid,
                content_variables=json.dumps(TEMPLATE_VARIABLES),
            )
        else:
            raise PermanentFailure(WINDOW_CLOSED)
        return params

    def _failure(self, status: int, code: object) -> HomewardError:
        """What a Twilio error answer means for the outbox."""
        if status == 429 or status >= 500:
            return RetryLater(self._http.retry_after, f"twilio-http-{status}")
        if code == OPTED_OUT:
            return PermanentFailure(f"twilio-{OPTED_OUT}", opted_out=True)
        if status == 401:
            # Wrong credentials are the operator's to fix, not the message's fault: keep it.
            logger.error("twilio refused the account credentials (HTTP 401)")
            return RetryLater(None, "twilio-http-401")
        if isinstance(code, int):
            return PermanentFailure(f"twilio-{code}")  # 21211, 21614, 63016, ...
        return PermanentFailure(f"twilio-http-{status}")
