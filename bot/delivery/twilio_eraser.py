"""Deletes Twilio's records of a person's messages once they DELETE (an opt-in setting)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy.orm import Session

# twilio ships no type hints (no py.typed): its names are Any to mypy.
from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.rest import Client  # type: ignore[import-untyped]

from bot.channel_settings import TwilioSettings
from bot.core.errors import HomewardError
from bot.core.messages import Address
from bot.delivery.chat import FAREWELL
from bot.delivery.twilio_sender import KINDS, TIMEOUT_SECONDS, WHATSAPP_PREFIX, _HttpClient
from bot.delivery.worker import PermanentFailure, RetryLater
from bot.storage import outbox
from bot.storage.outbox import OutboxItem

logger = logging.getLogger(__name__)

KIND = "twilio-erase"
# Twilio refuses to delete a message it has not finished with (error 20009) and asks to wait a
# minute or more. The DELETE confirmation itself leaves in the webhook's answer, after the
# transaction that queues this: waiting a few minutes lets its record be found and deleted too.
ERASE_AFTER = timedelta(minutes=5)
IN_PROGRESS = 20009
IN_PROGRESS_WAIT_SECONDS = 60.0
PAGE_SIZE = 100
# One attempt deletes at most this many records (one HTTP call each), well within the
# worker's lease; the rest are found by the next attempt.
MOST_PER_ATTEMPT = 500
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def enqueue_erase(session: Session, address: Address, now: datetime) -> bool:
    """Queue the deletion of Twilio's copies of this SMS or WhatsApp person's messages.

    Called in the transaction that forgets them, since afterwards Homeward cannot find the
    number. The row belongs to nobody and carries the number and channel alone; the worker
    erases it once done or given up (`FAREWELL` key). False for other channels.
    """
    if address.channel not in KINDS or not _E164.match(address.id):
        return False
    return outbox.enqueue(
        session,
        kind=KIND,
        dedupe_key=f"{FAREWELL}{KIND}:{uuid.uuid4().hex}",
        payload={"number": address.id, "channel": address.channel},
        now=now,
        due=now + ERASE_AFTER,
    )


class _QuietHttpClient(_HttpClient):
    """Twilio's HTTP client without its request log: a listing's query names the person."""

    def log_request(self, kwargs: dict[str, Any]) -> None:
        pass  # the library logs the URL with its query (To=+52...) at INFO

    def log_response(self, status_code: int, response: Any) -> None:
        pass


class TwilioEraser:
    """The sender of `twilio-erase` rows: lists the person's messages on the account (to and
    from their number, with Homeward's senders) and deletes each record, its media with it."""

    kind = KIND

    def __init__(self, settings: TwilioSettings) -> None:
        self._settings = settings
        self._http = _QuietHttpClient(settings.api_url, TIMEOUT_SECONDS)
        # Our own mapping as the environment, as in TwilioSender: TWILIO_EDGE / TWILIO_REGION
        # of the process would re-route every request.
        self._client = Client(
            settings.account_sid,
            settings.auth_token,
            http_client=self._http,
            environment={"HOMEWARD_TWILIO": "isolated"},
        )

    def send(self, item: OutboxItem) -> str | None:
        """Delete the records; RetryLater while some are in progress or Twilio is busy."""
        number = str(item.payload.get("number") or "")
        channel = item.payload.get("channel")
        if channel not in KINDS or not _E164.match(number):
            raise PermanentFailure("twilio-erase-bad-payload")
        address = WHATSAPP_PREFIX + number if channel == "whatsapp" else number
        listed = deleted = gone = in_progress = refused = 0
        refusal: object = None
        try:
            sids, more = self._listed(address)
            listed = len(sids)
            for sid in sids:
                try:
                    self._client.messages(sid).delete()  # the record, its body and its media
                    deleted += 1
                except (TwilioRestException, TwilioServiceException) as exc:
                    status, code = int(exc.status), exc.code
                    if status == 404:
                        gone += 1  # deleted already (an earlier attempt, or by hand)
                    elif code == IN_PROGRESS:
                        in_progress += 1
                    elif status == 429 or status >= 500 or status == 401:
                        raise self._failure(status, code) from exc
                    else:
                        refused, refusal = refused + 1, code or status
        except TwilioException as exc:  # a listing page, or a failure raised above
            raise self._failure(*_status_and_code(exc)) from exc
        except requests.exceptions.Timeout as exc:  # before ConnectionError: ConnectTimeout
            raise RetryLater(None, "twilio-timeout") from exc
        except requests.exceptions.ConnectionError as exc:
            raise RetryLater(None, "twilio-connection") from exc
        finally:
            # Counts and ids alone: no number, SID or body.
            logger.info(
                "twilio erase outbox=%d channel=%s listed=%d deleted=%d gone=%d "
                "in_progress=%d refused=%d",
                item.id,
                channel,
                listed,
                deleted,
                gone,
                in_progress,
                refused,
            )
        if in_progress:
            raise RetryLater(IN_PROGRESS_WAIT_SECONDS, f"twilio-{IN_PROGRESS}")
        if more:
            raise RetryLater(None, "twilio-erase-more")
        if refused:
            raise PermanentFailure(f"twilio-erase-{refusal}")
        return None

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    def _listed(self, address: str) -> tuple[list[str], bool]:
        """The SIDs of the messages between `address` and Homeward's senders, both ways, at
        most MOST_PER_ATTEMPT of them; and whether there are more."""
        found: dict[str, None] = {}
        for filters in ({"to": address}, {"from_": address}):
            for message in self._client.messages.stream(page_size=PAGE_SIZE, **filters):
                if not self._ours(message):
                    continue
                if len(found) == MOST_PER_ATTEMPT:
                    return list(found), True
                found[message.sid] = None
        return list(found), False

    def _ours(self, message: Any) -> bool:
        """Whether Homeward sent or received the message: on an account that other services
        share, their messages with the same person are not Homeward's to delete."""
        settings = self._settings
        senders = {s for s in (settings.sms_from, settings.whatsapp_from) if s}
        if message.to in senders or message.from_ in senders:
            return True
        service = settings.messaging_service_sid
        return service is not None and message.messaging_service_sid == service

    def _failure(self, status: int, code: object) -> HomewardError:
        """What a Twilio error answer means for the erasing."""
        if status == 429 or status >= 500:
            return RetryLater(self._http.retry_after, f"twilio-http-{status}")
        if code == IN_PROGRESS:
            return RetryLater(IN_PROGRESS_WAIT_SECONDS, f"twilio-{IN_PROGRESS}")
        if status == 401:
            # Wrong credentials are the operator's to fix: keep the row until they do.
            logger.error("twilio refused the account credentials (HTTP 401)")
            return RetryLater(None, "twilio-http-401")
        if status == 0:
            return RetryLater(None, "twilio-unreadable")
        return PermanentFailure(
            f"twilio-{code}" if isinstance(code, int) else f"twilio-http-{status}"
        )


def _status_and_code(exc: TwilioException) -> tuple[int, object]:
    """The HTTP status and Twilio error code of a failed call (0 when there is none)."""
    if isinstance(exc, (TwilioRestException, TwilioServiceException)):
        return int(exc.status), exc.code
    # A list page that failed: the library raises the base class with the response attached.
    response = exc.args[1] if len(exc.args) > 1 else None
    status = int(getattr(response, "status_code", 0) or 0)
    try:
        code = json.loads(str(getattr(response, "text", ""))).get("code")
    except (ValueError, AttributeError):
        code = None
    return status, code
