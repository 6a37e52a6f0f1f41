"""Real receivers on loopback for delivery tests: an SMTP server, a verifying webhook endpoint."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from bot.core.messages import Address
from bot.core.referral import Consent, Referral, SharedAnswer

SECRET = "whsec_" + base64.b64encode(b"homeward-test-secret-0123456789").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"somebody-else-secret-0123456789").decode()
REFERRAL_ID = "3f2a9c1e5b7d4f60a8c2e4b6d8f0a1c3"
CREATED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PHONE = "+52 55 1234 5678"
# As the engine shares them, in the order given: a Spanish-speaking son answering for his father.
ANSWERS = (
    SharedAnswer("who", "Who is writing?", "family", "A family member", "Un familiar"),
    SharedAnswer(
        "country",
        "In which country is the deported person living now?",
        "MX",
        "Mexico",
        "México",
    ),
    SharedAnswer("year_removed", "In what year were they last deported?", 2019, "2019", "2019"),
    SharedAnswer(
        "removal_kind",
        "How did the last deportation happen? Pick the closest:",
        "absent",
        "Ordered by a judge while absent",
        "Ordenado por un juez en su ausencia",
    ),
    SharedAnswer(
        "state_lived",
        "In which U.S. state did they live before the deportation?",
        "TX",
        "Texas",
        "Texas",
    ),
    SharedAnswer(
        "military",
        "Did they ever serve in the U.S. military, including the Reserves or National Guard?",
        "yes",
        "Yes",
        "Sí",
    ),
    SharedAnswer(
        "conviction",
        "Were they ever convicted of a crime in the U.S.?",
        None,
        "Prefer not to say",
        "Prefiero no decirlo",
    ),
    SharedAnswer(
        "best_time",
        "When is it best to call?",
        "tardes, después de las 4",
        "tardes, después de las 4",
        "tardes, después de las 4",
    ),
)


def sample_referral(**changes: Any) -> Referral:
    """A referral as the engine would make it for María's son (a family member answering)."""
    values: dict[str, Any] = {
        "id": REFERRAL_ID,
        "created_at": CREATED,
        "language": "es",
        "contact": Address("whatsapp", PHONE),
        "answered_by": "family",
        "answers": ANSWERS,
        "tags": frozenset({"answered-by-family", "in-absentia", "veteran", "urgent"}),
        "urgent": True,
        "consent": Consent("consent-2026-11", CREATED),
        "partner_id": "demo-legal",
        "partner_name": "Demo Legal Aid",
        "match_reasons": ("Helps veterans", "Speaks Spanish"),
    }
    values.update(changes)
    return Referral(**values)


def free_port() -> int:
    """A free TCP port: aiosmtpd cannot be given port 0 (aio-libs/aiosmtpd#276)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# -- SMTP ------------------------------------------------------------------------------------


@dataclass
class Received:
    """One message the SMTP server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class MailHandler:
    """Records what arrives; `refuse_rcpt` / `refuse_data` answer with an SMTP reply instead."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: str | None = None
    refuse_data: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_rcpt is not None:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_data is not None:
            return self.refuse_data
        content = envelope.original_content or b""
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a fixed loopback port that a test can stop and start again (SMTP down, up)."""

    def __init__(self, **controller_options: Any) -> None:
        self.handler = MailHandler()
        self.port = free_port()
        self._options = controller_options
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> None:
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self._options
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def login_checker(username: str, password: str) -> Any:
    """An aiosmtpd authenticator accepting one LOGIN/PLAIN user."""

    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == username.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    return check


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with the openssl command line tool."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


# -- Webhooks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """How the endpoint answers one request: a status, headers, an optional delay first.

    `hold`: the request is recorded, then the answer waits until the event is set (a
    partner's server that takes its time, while the test kills the worker that called).
    """

    status: int = 204
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    hold: threading.Event | None = None


@dataclass(frozen=True)
class Delivery:
    """One request whose signature verified."""

    webhook_id: str
    timestamp: int
    body: str
    document: dict[str, Any]
    status: int


class WebhookReceiver:
    """A partner's endpoint: verifies every request with `standardwebhooks`, as a partner would.

    Requests that fail verification get 401 and are counted in `rejected`; verified ones are
    answered from the script (`answer_next`), then 204, and recorded in `deliveries`.
    """

    def __init__(self, secret: str = SECRET, port: int = 0) -> None:
        self._webhook = Webhook(secret)
        self.deliveries: list[Delivery] = []
        self.rejected = 0
        self.requests = 0
        # Set once a verified request has arrived (and been recorded).
        self.arrived = threading.Event()
        self._script: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.receiver = self
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/homeward"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="webhook-receiver", daemon=True
        )

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def answer_next(self, *answers: Answer) -> None:
        """Answer the next verified requests like this, in order."""
        with self._lock:
            self._script.extend(answers)

    @property
    def webhook_ids(self) -> set[str]:
        with self._lock:
            return {delivery.webhook_id for delivery in self.deliveries}

    @property
    def accepted_ids(self) -> set[str]:
        """What a partner deduplicating by `webhook-id` keeps: each message it answered 2xx."""
        with self._lock:
            return {d.webhook_id for d in self.deliveries if 200 <= d.status < 300}

    @property
    def duplicates(self) -> int:
        """Accepted requests the partner drops as repeats of a `webhook-id` it already has."""
        with self._lock:
            accepted = [d.webhook_id for d in self.deliveries if 200 <= d.status < 300]
        return len(accepted) - len(set(accepted))

    def handle(self, body: bytes, headers: dict[str, str]) -> Answer:
        with self._lock:
            self.requests += 1
        try:
            self._webhook.verify(body, headers, json_parse=False)
        except WebhookVerificationError:
            with self._lock:
                self.rejected += 1
            return Answer(401)
        with self._lock:
            answer = self._script.popleft() if self._script else Answer()
            self.deliveries.append(
                Delivery(
                    webhook_id=headers["webhook-id"],
                    timestamp=int(headers["webhook-timestamp"]),
                    body=body.decode(),
                    document=json.loads(body),
                    status=answer.status,
                )
            )
        self.arrived.set()
        return answer


class _Server(ThreadingHTTPServer):
    receiver: WebhookReceiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer = self.server.receiver.handle(body, headers)
        if answer.delay:
            time.sleep(answer.delay)
        if answer.hold is not None:
            answer.hold.wait(60)
        try:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # the caller is gone (killed while we held its request): nobody to answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet
