"""Twilio test rig: a loopback server answering like Twilio's REST API, signed webhooks, phones."""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from werkzeug.test import TestResponse
from werkzeug.wrappers import Response

from bot.app import Services
from bot.channel_settings import TwilioSettings
from bot.settings import Settings
from bot.storage.models import Contact, InboundMessage

ACCOUNT_SID = "AC" + "3f" * 16
AUTH_TOKEN = "5e2b" * 8
PUBLIC_URL = "https://homeward.example.org"
SMS_FROM = "+15005550006"  # Homeward's number
WHATSAPP_FROM = "whatsapp:+14155238886"
TEMPLATE_SID = "HX" + "b7" * 16
MARIA = "+525555550123"  # a deported woman in Mexico City, texting by SMS
JEAN = "+50955550188"  # a man in Port-au-Prince, on WhatsApp
PAYLOADS = Path(__file__).parent / "payloads"
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")
MESSAGE_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages/(\w+)\.json$")


def payload(name: str, **changes: str) -> dict[str, str]:
    """A recorded webhook form body from payloads/, with some fields changed."""
    form: dict[str, str] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return {**form, **changes}


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def signature(path: str, form: Mapping[str, str], token: str = AUTH_TOKEN, url: str = "") -> str:
    """What Twilio would put in X-Twilio-Signature for a POST of `form` to `path`."""
    return str(RequestValidator(token).compute_signature(url or PUBLIC_URL + path, form))


def post_signed(client: FlaskClient, path: str, form: Mapping[str, str]) -> TestResponse:
    """POST `form` to `path` the way Twilio does, correctly signed."""
    return client.post(
        path, data=dict(form), headers={"X-Twilio-Signature": signature(path, form)}
    )


def twiml_messages(response: Response) -> list[str]:
    """The bodies of the <Message> elements of a TwiML answer (asserting it is TwiML)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    assert all(child.tag == "Message" for child in root)
    return [child.text or "" for child in root]


def count(services: Services, model: type[Contact] | type[InboundMessage]) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def contact(services: Services, channel: str, address: str) -> Contact:
    with services.sessions() as session:
        return session.scalars(
            select(Contact).where(Contact.channel == channel, Contact.address_key == address)
        ).one()


class Phone:
    """Someone texting Homeward's Twilio number; the bot's answers are read from the TwiML.

    Given the fake API, the account keeps each message as Twilio would: what the person
    sent, and each TwiML reply.
    """

    def __init__(
        self,
        client: FlaskClient,
        number: str,
        base: str = "sms_text",
        api: FakeTwilioApi | None = None,
    ) -> None:
        self.client = client
        self.number = number
        self.base = base
        self.api = api
        self.last_form: dict[str, str] = {}

    @property
    def address(self) -> str:
        """The number as Twilio writes it ("whatsapp:+..." on WhatsApp)."""
        return ("whatsapp:" if self.base.startswith("whatsapp") else "") + self.number

    def send(self, text: str, **fields: str) -> list[str]:
        """Send `text` (a fresh MessageSid each time); returns the replies as plain text."""
        replies = twiml_messages(self.post(text, **fields))
        if self.api is not None:
            ours = self.last_form["To"]
            for reply in replies:
                self.api.hold(ours, self.address, reply, direction="outbound-reply")
        return replies

    def post(self, text: str, **fields: str) -> TestResponse:
        changes = {"Body": text, "MessageSid": new_sid(), **fields}
        changes["From"] = self.address
        changes["SmsMessageSid"] = changes["SmsSid"] = changes["MessageSid"]
        self.last_form = payload(self.base, **changes)
        answer = post_signed(self.client, "/hooks/twilio", self.last_form)
        if self.api is not None and answer.status_code == 200:
            form = self.last_form
            self.api.hold(form["From"], form["To"], text, sid=form["MessageSid"])
        return answer

    def resend_last(self) -> list[str]:
        """Twilio delivering the same webhook again (it timed out waiting for us, say)."""
        return twiml_messages(post_signed(self.client, "/hooks/twilio", self.last_form))


@dataclass
class Received:
    """One request the fake API received (`form`: the body of a POST, the query of a GET)."""

    method: str
    path: str
    form: dict[str, list[str]]
    authorization: str


@dataclass
class FakeTwilioApi:
    """A loopback HTTP server answering Twilio's Messages API for one account.

    POST Messages.json sends (201 with the message resource), GET Messages.json lists the
    account's messages newest first (To/From filters, pages like Twilio's), and DELETE
    Messages/{sid}.json deletes one (204; 404 if unknown). When told to, it gives the error
    answers Twilio gives (with their JSON bodies), or no answer at all until the client gives
    up. Everything it receives is kept in `received`; the account's messages in `held`.
    """

    url: str = ""
    received: list[Received] = field(default_factory=list)
    sids: list[str] = field(default_factory=list)  # of the messages it accepted, in order
    held: dict[str, dict[str, Any]] = field(default_factory=dict)  # the account's messages
    scripts: dict[str, deque[str]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    _order: dict[str, int] = field(default_factory=dict)  # sid -> when it was stored
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_next(self, *answers: str, method: str = "POST") -> None:
        """Queue answers to the next requests of `method`: "21610", "21211", "429", "500",
        "slow", for DELETE "404" or "20009" (still in progress), or "200" (as usual); then
        success again."""
        self.scripts.setdefault(method, deque()).extend(answers)

    @property
    def messages(self) -> list[dict[str, list[str]]]:
        """The form bodies of the messages Homeward sent (POSTs)."""
        return [r.form for r in self.received if r.method == "POST"]

    @property
    def deleted(self) -> list[str]:
        """The SIDs Homeward asked to delete, in order (whatever the answer was)."""
        return [r.path.rsplit("/", 1)[1].removesuffix(".json") for r in self.deletions]

    @property
    def deletions(self) -> list[Received]:
        return [r for r in self.received if r.method == "DELETE"]

    @property
    def listings(self) -> list[dict[str, list[str]]]:
        """The queries of the lists Homeward asked for."""
        return [r.form for r in self.received if r.method == "GET"]

    def hold(
        self,
        from_: str,
        to: str,
        body: str = "",
        sid: str | None = None,
        direction: str = "inbound",
        messaging_service_sid: str | None = None,
    ) -> str:
        """Keep a message on the account as Twilio does (one a person sent, or a TwiML reply)."""
        sid = sid or new_sid()
        form = {"From": [from_], "To": [to], "Body": [body]}
        if messaging_service_sid:
            form["MessagingServiceSid"] = [messaging_service_sid]
        self._store(_message(ACCOUNT_SID, form, sid, direction))
        return sid

    def holds(self, number: str) -> list[str]:
        """The SIDs of the account's messages to or from `number` (as Twilio spells it)."""
        return [sid for sid, m in self.held.items() if number in (m["to"], m["from"])]

    def handle(self, method: str, target: str, body: bytes, authorization: str) -> Answer:
        path, _, query = target.partition("?")
        form = parse_qs(query if method == "GET" else body.decode("utf-8"), keep_blank_values=True)
        self.received.append(Received(method, path, form, authorization))
        listing = MESSAGES_PATH.match(path)
        one = MESSAGE_PATH.match(path)
        account = listing[1] if listing else one[1] if one else None
        if account is None or (method, bool(listing)) not in _ROUTES:
            return _error(404, 20404, "The requested resource was not found")
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if account != ACCOUNT_SID or authorization != expected:
            return _error(401, 20003, "Authenticate")
        script = self.scripts.get(method)
        scripted = script.popleft() if script else None
        if scripted == "slow":
            self.release.wait(10)  # longer than the client waits; then hang up
            return Answer(0, {})
        if scripted == "429":
            return _error(429, 20429, "Too Many Requests", {"Retry-After": "7"})
        if scripted == "500":
            return _error(500, 20500, "Internal Server Error")
        if scripted == "21610":
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        if scripted == "21211":
            return _error(400, 21211, "Invalid 'To' Phone Number")
        if scripted == "20009":
            return _error(409, 20009, "Cannot delete this resource before it is complete")
        if scripted == "404":  # someone deleted it just before (in the Console, say)
            if one is not None:
                with self._lock:
                    self.held.pop(one[2], None)
            return _error(404, 20404, "The requested resource was not found")
        if method == "GET":
            return self._list(path, form)
        if method == "DELETE":
            assert one is not None
            with self._lock:
                gone = self.held.pop(one[2], None)
            if gone is None:
                return _error(404, 20404, "The requested resource was not found")
            return Answer(204, None)
        if not form.get("To"):
            return _error(400, 21604, "A 'To' phone number is required.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return _error(400, 21603, "A 'From' phone number is required.")
        if not (form.get("Body") or form.get("ContentSid")):
            return _error(400, 21602, "Message body is required.")
        message = _message(account, form, new_sid(), "outbound-api")
        self._store(message)
        self.sids.append(str(message["sid"]))
        return Answer(201, message)

    def _store(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.held[message["sid"]] = message
            self._order[message["sid"]] = len(self._order)

    def _list(self, path: str, query: dict[str, list[str]]) -> Answer:
        """A page of the account's messages, newest first, as GET Messages.json answers."""
        first = {name: values[0] for name, values in query.items()}
        size = min(int(first.get("PageSize", "50")), 1000)
        page = int(first.get("Page", "0"))
        with self._lock:
            matching = [
                m
                for m in self.held.values()
                if all(first.get(name, m[key]) == m[key] for name, key in _FILTERS)
            ]
            order = dict(self._order)
        matching.sort(key=lambda m: order[m["sid"]], reverse=True)
        token = first.get("PageToken", "")
        if token:
            # Like Twilio's: a page token names the last message of the previous page, so
            # deleting messages while paging neither skips nor repeats any.
            after = order[token.removeprefix("PA")]
            matching = [m for m in matching if order[m["sid"]] < after]
        records = matching[:size]
        filters = {k: first[k] for k in ("To", "From") if k in first}

        def uri(number: int, **extra: str) -> str:
            return f"{path}?{urlencode({**filters, 'PageSize': size, 'Page': number, **extra})}"

        more = len(matching) > size
        body: dict[str, Any] = {
            "end": page * size + len(records) - 1,
            "first_page_uri": uri(0),
            "messages": records,
            "next_page_uri": uri(page + 1, PageToken="PA" + records[-1]["sid"]) if more else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": uri(page - 1) if page else None,
            "start": page * size,
            "uri": uri(page, **({"PageToken": token} if token else {})),
        }
        return Answer(200, body)


_ROUTES = {("POST", True), ("GET", True), ("DELETE", False)}
_FILTERS = (("To", "to"), ("From", "from"))


@dataclass
class Answer:
    status: int
    body: dict[str, Any] | None  # None: no body at all (204)
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Answer(status, body, headers or {})


def _message(account: str, form: dict[str, list[str]], sid: str, direction: str) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    first = {name: values[0] for name, values in form.items()}
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "body": first.get("Body", ""),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": direction,
        "error_code": None,
        "error_message": None,
        "from": first.get("From"),
        "messaging_service_sid": first.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "received" if direction == "inbound" else "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
        "to": first.get("To"),
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        answer = self.server.api.handle(
            self.command, self.path, body, self.headers.get("Authorization", "")
        )
        if answer.status == 0:
            return  # the "slow" answer: close without a word
        data = b"" if answer.body is None else json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet


class _Server(ThreadingHTTPServer):
    api: FakeTwilioApi


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilioApi]:
    """The fake Twilio REST API on a free loopback port, stopped after the test."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    api = FakeTwilioApi(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.api = api
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="fake-twilio", daemon=True
    )
    thread.start()
    try:
        yield api
    finally:
        api.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def twilio(twilio_api: FakeTwilioApi) -> TwilioSettings:
    return TwilioSettings(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        sms_from=SMS_FROM,
        whatsapp_from=WHATSAPP_FROM,
        whatsapp_template_sid=TEMPLATE_SID,
        api_url=twilio_api.url,
    )


@pytest.fixture
def settings(settings: Settings, twilio: TwilioSettings) -> Settings:
    """Homeward in production mode with the Twilio channel on (over tests/conftest.py's)."""
    return replace(settings, environment="production", public_url=PUBLIC_URL, twilio=twilio)


@pytest.fixture
def maria(client: FlaskClient) -> Phone:
    return Phone(client, MARIA)


@pytest.fixture
def jean(client: FlaskClient) -> Phone:
    return Phone(client, JEAN, base="whatsapp_text")


@pytest.fixture(autouse=True)
def _no_twilio_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Stray TWILIO_* variables must change nothing; the tests set them where that is the point.
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_EDGE", "TWILIO_REGION"):
        monkeypatch.delenv(name, raising=False)
