"""SMS and WhatsApp through Twilio: signed webhooks in, TwiML replies out, delivery reports."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Request, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

# twilio ships no type hints (no py.typed): its names are Any to mypy.
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio.twiml.messaging_response import MessagingResponse  # type: ignore[import-untyped]
from werkzeug.exceptions import RequestEntityTooLarge

from bot.channel_settings import TwilioSettings
from bot.channels.base import InvalidPayload, receive, refusal, too_large
from bot.channels.validation import E164, clean_text, refuse
from bot.conversations import Conversations
from bot.core.messages import Address, Inbound, Outbound
from bot.core.phones import locale_for_phone
from bot.delivery.chat import MAX_LENGTH, split_text
from bot.limits import limited
from bot.storage import contacts, outbox
from bot.storage.models import Contact

logger = logging.getLogger(__name__)

CHANNEL = "twilio"
SMS = "sms"
WHATSAPP = "whatsapp"
WHATSAPP_PREFIX = "whatsapp:"
SIGNATURE_HEADER = "X-Twilio-Signature"
HOOK_PATH = "/hooks/twilio"
STATUS_PATH = "/hooks/twilio/status"
OPTED_OUT_ERROR = "21610"  # "Attempt to send to unsubscribed recipient": the person sent STOP

# Delivery statuses in the order a message moves through them; a report never moves one back.
STATUS_RANKS: Mapping[str, int] = {
    "accepted": 1,
    "scheduled": 1,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "failed": 4,
    "undelivered": 4,
    "canceled": 4,
    "delivered": 5,
    "read": 6,
}
FAILURES = frozenset({"failed", "undelivered"})

# With Advanced Opt-Out, Twilio names the command whatever word the person used (PARAR, ARRÊT).
_OPT_OUT_TYPES = {"STOP": "stop", "START": "start", "HELP": "help"}
# A Twilio SID: two capital letters naming the kind (SM, MM) and 32 lowercase hex digits.
_SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
_STATUS = re.compile(r"[a-z_-]{1,20}")
_ERROR_CODE = re.compile(r"[0-9]{1,10}")
# A message's form is a few hundred bytes (a 1600-character body, percent-encoded, under
# 20 kB); nothing Twilio sends comes near this, and nothing longer is read.
MAX_BODY = 64_000


def _now() -> datetime:
    return datetime.now(UTC)


def signed(validator: RequestValidator, public_url: str, request: Request) -> bool:
    """Whether `X-Twilio-Signature` matches the request as Twilio addressed it.

    The URL is rebuilt from the configured public address, never from `request.url`: behind a
    TLS-terminating proxy that is http://internal:8000/... and every signature would fail.
    """
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return False
    url = public_url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("ascii", "replace")
    # Only the form is signed for POST webhooks; the query string is part of the URL.
    return bool(validator.validate(url, request.form, signature))


def address_of(value: str) -> Address:
    """The contact a Twilio address names: "whatsapp:+E164" is WhatsApp, "+E164" SMS.

    Anything else is refused: "messenger:", "rcs:" and friends are senders this deployment
    does not handle, and a number that is not E.164 is nobody an SMS can reach.
    """
    channel, number = SMS, value
    if number.startswith(WHATSAPP_PREFIX):
        channel, number = WHATSAPP, number.removeprefix(WHATSAPP_PREFIX)
    if not E164.fullmatch(number):
        refuse("address-not-e164", "the address must be +E.164 or whatsapp:+E.164")
    return Address(channel, number)


def _sid(form: Mapping[str, str]) -> str:
    sid = form.get("MessageSid", "")
    if not sid:
        refuse("sid-missing", "MessageSid is missing")
    if not _SID.fullmatch(sid):
        refuse("sid-malformed", "MessageSid is not a Twilio message SID")
    return sid


class TwilioChannel:
    """Twilio's messaging webhook: form fields in, TwiML out. SMS and WhatsApp alike."""

    name = CHANNEL
    max_body = MAX_BODY

    def __init__(
        self, settings: TwilioSettings, public_url: str, clock: Callable[[], datetime] = _now
    ) -> None:
        self._validator = RequestValidator(settings.auth_token)
        self._public_url = public_url
        self._clock = clock

    def verify(self, request: Request) -> bool:
        return signed(self._validator, self._public_url, request)

    def parse(self, request: Request) -> list[Inbound]:
        form = request.form
        sid = _sid(form)
        sender = form.get("From", "")
        if not sender:
            refuse("from-missing", "From is missing")
        address = address_of(sender)
        # A tap on a WhatsApp quick-reply button (a template's) carries its label: read it as
        # if typed. Our own replies are numbered text, so no tap can name an old question.
        raw = form.get("ButtonText") or form.get("Body") or ""  # media only: "" (a hint)
        text, truncated = clean_text(raw)
        keyword = _OPT_OUT_TYPES.get(form.get("OptOutType", "").strip().upper())
        # The number's country suggests a language until the person chooses one.
        hint = locale_for_phone(address.id)
        when = self._clock()
        return [Inbound(address, text, when, sid, hint, keyword=keyword, truncated=truncated)]

    def reply(self, replies: Sequence[Outbound]) -> Response:
        """One <Message> per reply (choices as numbered lines); `<Response />` for none."""
        twiml = MessagingResponse()
        for reply in replies:
            text = reply.as_plain_text()
            if text:
                # Twilio refuses a message body over 1600 characters.
                for part in split_text(text, MAX_LENGTH[SMS]):
                    twiml.message(part)
        return Response(str(twiml), mimetype="application/xml")

    def refuse(self, error: InvalidPayload) -> Response:
        """400 (or 413) with the reason: Twilio does not retry a 4xx, and its debugger shows it."""
        return refusal(error)


@dataclass(frozen=True, slots=True)
class StatusReport:
    """One status callback: which message, where it stands now, and Twilio's error code."""

    sid: str
    status: str
    error_code: str | None
    recipient: Address | None

    @property
    def rank(self) -> int | None:
        """The status's place in the delivery order; None for a status we do not track."""
        return STATUS_RANKS.get(self.status)

    def __repr__(self) -> str:
        return f"StatusReport({self.status}, error={self.error_code})"


def parse_status(form: Mapping[str, str]) -> StatusReport:
    """The report in a status callback's form; raises InvalidPayload when it cannot be read."""
    sid = _sid(form)
    status = form.get("MessageStatus", "").lower()
    if not status:
        refuse("status-missing", "MessageStatus is missing")
    if not _STATUS.fullmatch(status):
        refuse("status-malformed", "MessageStatus is not a delivery status")
    code = form.get("ErrorCode", "")
    try:
        recipient = address_of(form.get("To", "")) if form.get("To") else None
    except InvalidPayload:
        recipient = None  # only needed to find a contact; the report itself is still good
    return StatusReport(sid, status, code if _ERROR_CODE.fullmatch(code) else None, recipient)


def record_status(sessions: sessionmaker[Session], report: StatusReport) -> None:
    """Store a delivery report on its outbox row; 21610 marks the person opted out."""
    with sessions.begin() as session:
        rank = report.rank
        error = f"twilio-{report.error_code}" if report.error_code else None
        update = None
        if rank is not None:
            update = outbox.record_delivery(session, report.sid, report.status, rank, error)
        contact_id = update.contact_id if update is not None else None
        if report.error_code == OPTED_OUT_ERROR:
            # A TwiML reply has no outbox row: find the person by the number it went to.
            if contact_id is None and report.recipient is not None:
                contact_id = session.scalar(
                    select(Contact.id).where(
                        Contact.channel == report.recipient.channel,
                        Contact.address_key == report.recipient.id,
                    )
                )
            if contact_id is not None:
                contacts.mark_opted_out(session, contact_id)
                logger.info("contact %d opted out (twilio %s)", contact_id, OPTED_OUT_ERROR)
    if report.status in FAILURES:
        # Only the outbox id and the code: the SID and the number stay out of the logs.
        where = (
            f"outbox {update.outbox_id}" if update is not None else "no outbox row (TwiML reply)"
        )
        logger.warning("twilio delivery %s: %s error=%s", report.status, where, error or "none")


def twilio_blueprint(
    settings: TwilioSettings,
    public_url: str,
    conversations: Conversations,
    sessions: sessionmaker[Session],
) -> Blueprint:
    """Routes: POST /hooks/twilio (messages) and POST /hooks/twilio/status (delivery reports)."""
    blueprint = Blueprint("twilio", __name__)
    channel = TwilioChannel(settings, public_url)
    validator = RequestValidator(settings.auth_token)

    @blueprint.post(HOOK_PATH)
    def message() -> Response:
        return receive(channel, limited(conversations.handle), request)

    @blueprint.post(STATUS_PATH)
    def status() -> Response:
        request.max_content_length = MAX_BODY  # as for messages: the signature reads the form
        try:
            if not signed(validator, public_url, request):
                logger.warning("refused unverified request channel=%s (status)", CHANNEL)
                return refusal(InvalidPayload("not verified", code="unverified", status=403))
            report = parse_status(request.form)
        except RequestEntityTooLarge:
            error = too_large(MAX_BODY)
            logger.info("refused request channel=%s (status) reason=%s", CHANNEL, error.code)
            return refusal(error)
        except InvalidPayload as error:
            logger.info("refused request channel=%s (status) reason=%s", CHANNEL, error.code)
            return refusal(error)
        record_status(sessions, report)
        return Response(status=200)  # Twilio wants a 2xx; the body is ignored

    return blueprint
