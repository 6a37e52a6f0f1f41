"""A Telegram Bot API on loopback: answers like the real one, records calls, fails on command."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER = {
    "id": 7700000001,
    "is_bot": True,
    "first_name": "Homeward",
    "username": "homeward_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
SLOW_SECONDS = 1.5  # longer than the senders' timeout in these tests
LIFETIME_SECONDS = 300  # the server stops by itself after this, whatever happens to the test

# What Telegram answers when things go wrong (status, body), as documented and as observed.
FAILURES: dict[str, tuple[int, dict[str, Any]]] = {
    "429": (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    ),
    "403": (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    ),
    "400": (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
    "400-webhook": (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: bad webhook: HTTPS url must be provided for webhook",
        },
    ),
    "401": (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}),
    "500": (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
}
NOT_FOUND = (404, {"ok": False, "error_code": 404, "description": "Not Found"})


@dataclass(frozen=True)
class Call:
    """One request the fake received: the API method, its parameters, and what it answered."""

    method: str
    params: dict[str, Any]
    # "ok", a FAILURES key, or "slow": done, but answered after the client gave up waiting
    # (the person got the message; the sender cannot know it).
    outcome: str


@dataclass(frozen=True)
class Sent:
    """A message the fake delivered to a chat, with its inline keyboard as (label, data)."""

    chat_id: int
    message_id: int
    text: str
    buttons: tuple[tuple[str, str], ...] = field(default=())

    def lines(self) -> list[str]:
        """The message as the person sees it: the text, then a [label] line per button."""
        return [*self.text.splitlines(), *(f"[{label}]" for label, _ in self.buttons)]


class FakeTelegram:
    """The Bot API of one bot (`token`) at `url`; every other token gets 401 like the real one."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.delivered: list[Sent] = []
        self.blocked: set[int] = set()
        self._script: dict[str, deque[str]] = defaultdict(deque)
        self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.timeout = 0.05
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._serve, name="fake-telegram", daemon=True)

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.server_close()

    def _serve(self) -> None:
        deadline = time.monotonic() + LIFETIME_SECONDS
        while not self._stop.is_set() and time.monotonic() < deadline:
            self._server.handle_request()

    # -- commands from the test --------------------------------------------------------------

    def fail_next(self, method: str, *outcomes: str) -> None:
        """Answer the next calls of `method` with these outcomes ("429", "403", "slow", ...)."""
        with self._lock:
            self._script[method].extend(outcomes)

    def block(self, chat_id: int) -> None:
        """The person blocks the bot: from now on every message to them is Forbidden."""
        with self._lock:
            self.blocked.add(chat_id)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def messages_to(self, chat_id: int) -> list[Sent]:
        with self._lock:
            return [sent for sent in self.delivered if sent.chat_id == chat_id]

    # -- the API -----------------------------------------------------------------------------

    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        """(status, body, seconds to wait before answering) for a request to `path`."""
        prefix = f"/bot{self.token}/"
        if not path.startswith("/bot"):
            return (*NOT_FOUND, 0.0)
        if not path.startswith(prefix):
            return (*FAILURES["401"], 0.0)
        method = path.removeprefix(prefix)
        with self._lock:
            script = self._script[method]
            outcome = script.popleft() if script else "ok"
            if method == "sendMessage" and int(params["chat_id"]) in self.blocked:
                outcome = "403" if outcome == "ok" else outcome
            self.calls.append(Call(method, params, outcome))
            if outcome in FAILURES:
                return (*FAILURES[outcome], 0.0)
            result = self._result(method, params)
        if result is None:
            return (*NOT_FOUND, 0.0)
        return 200, {"ok": True, "result": result}, SLOW_SECONDS if outcome == "slow" else 0.0

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("setWebhook", "answerCallbackQuery", "deleteWebhook"):
            return True
        if method != "sendMessage":
            return None
        chat_id = int(params["chat_id"])
        message_id = self._next_message_id[chat_id]  # Telegram numbers messages per chat
        self._next_message_id[chat_id] += 1
        markup = params.get("reply_markup")
        buttons = tuple(
            (button["text"], button["callback_data"])
            for row in (markup or {}).get("inline_keyboard", [])
            for button in row
        )
        self.delivered.append(Sent(chat_id, message_id, params["text"], buttons))
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Person"},
            "from": BOT_USER,
            "text": params["text"],
        }
        if markup:
            message["reply_markup"] = markup
        return message

    def wait(self, seconds: float) -> None:
        self._stop.wait(seconds)


def _decode(body: bytes, content_type: str) -> dict[str, Any]:
    """PTB posts form fields whose non-string values are JSON; accept a JSON body too."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        data: dict[str, Any] = json.loads(body)
        return data
    params: dict[str, Any] = {}
    for name, values in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
        value = values[-1]
        params[name] = json.loads(value) if name in ("reply_markup", "allowed_updates") else value
    return params


def _handler_for(api: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            params = _decode(self.rfile.read(length), self.headers.get("Content-Type", ""))
            status, body, delay = api.answer(self.path, params)
            api.wait(delay)
            data = json.dumps(body).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the "slow" answer)

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test reads `calls`, not stderr

    return Handler
