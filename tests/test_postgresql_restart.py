"""PostgreSQL restarted under load: 503 while it is down, nothing accepted is lost, and the
service recovers by itself. Runs a PostgreSQL server of its own (tests/own_postgresql.py).

Phones send signed Twilio webhooks over real HTTP to Homeward served by Waitress, each phone
one message after the other, sending a message again (same MessageSid) after a 503 as a
provider would. Meanwhile the server is stopped and started again.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
import requests
import waitress
from sqlalchemy import select

from bot.app import Services, build_services, create_app
from bot.channel_settings import TwilioSettings
from bot.settings import Settings
from bot.storage.database import upgrade
from bot.storage.models import Conversation, InboundMessage
from tests.channels.twilio.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SMS_FROM,
    new_sid,
    payload,
    signature,
)
from tests.keys import TEST_KEYRING
from tests.own_postgresql import Server, StopMode, throwaway_postgresql

HOOK = "/hooks/twilio"
WAIT_SECONDS = 180.0  # a guard against a hang while waiting for a phase; never a measure
RESEND_PAUSE = 0.05  # between a 503 and sending again (the header asks for more; see docs)


@dataclass
class Tally:
    """What the phones saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    attempted: int = 0  # distinct messages
    requests: int = 0
    accepted: set[str] = field(default_factory=set)  # MessageSids answered 200
    unavailable: int = 0  # 503s
    without_retry_after: int = 0
    other: Counter[str] = field(default_factory=Counter)  # any other answer: must stay empty

    def count(self, what: Callable[[Tally], int]) -> int:
        with self.lock:
            return what(self)


def phone(base: str, number: str, tally: Tally, stop: threading.Event) -> None:
    """Send messages until `stop`; each one again after a 503 until it is accepted."""
    with requests.Session() as http:
        sent = 0
        while not stop.is_set():
            sid = new_sid()
            form = payload("sms_text", From=number, MessageSid=sid, SmsMessageSid=sid, SmsSid=sid)
            form["Body"] = f"message {sent}"
            sent += 1
            with tally.lock:
                tally.attempted += 1
            while True:
                headers = {"X-Twilio-Signature": signature(HOOK, form)}
                try:
                    answer = http.post(base + HOOK, data=form, headers=headers, timeout=60)
                    status = str(answer.status_code)
                except requests.RequestException as error:
                    status = type(error).__name__
                with tally.lock:
                    tally.requests += 1
                    if status == "200":
                        tally.accepted.add(sid)
                    elif status == "503":
                        tally.unavailable += 1
                        tally.without_retry_after += "Retry-After" not in answer.headers
                    else:
                        tally.other[status] += 1
                if status != "503":
                    break
                time.sleep(RESEND_PAUSE)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT_SECONDS:.0f} s for {what}")
        time.sleep(0.02)


@pytest.fixture
def own_server() -> Iterator[Server]:
    with throwaway_postgresql() as server:
        upgrade(server.url)
        yield server


@pytest.fixture
def homeward(own_server: Server) -> Iterator[tuple[str, Services]]:
    """Homeward over the server, with Twilio on, served by Waitress on a loopback port."""
    settings = Settings(
        database_url=own_server.url,
        run_worker=False,
        start_flow="placeholder",
        languages=("en",),
        public_url=PUBLIC_URL,
        twilio=TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, sms_from=SMS_FROM),
        secret_keys=TEST_KEYRING.secret_keys,
        hash_key=TEST_KEYRING.hash_key,
        # Each phone sends faster than a person may: the per-sender limit would answer 200
        # and drop the excess, which this count of stored messages would call lost.
        rate_limit="100000/minute",
    )
    services = build_services(settings)
    server = waitress.create_server(
        create_app(settings, services), host="127.0.0.1", port=0, threads=8
    )
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", services
    finally:
        server.close()
        thread.join(timeout=30)
        services.database.dispose()


@pytest.mark.parametrize(
    ("phones", "restarts", "per_phase"),
    [
        pytest.param(4, ("fast",), 30, id="short"),
        pytest.param(
            8, ("fast", "immediate", "fast", "immediate"), 300, id="long", marks=pytest.mark.slow
        ),
    ],
)
def test_postgresql_restarted_under_load(
    own_server: Server,
    homeward: tuple[str, Services],
    phones: int,
    restarts: tuple[StopMode, ...],
    per_phase: int,
) -> None:
    base, services = homeward
    # A pooled connection the restart killed is replaced before use, not handed out.
    assert services.database.pool._pre_ping  # type: ignore[attr-defined]
    tally, stop = Tally(), threading.Event()
    numbers = [f"+52555555{n:04d}" for n in range(phones)]
    threads = [
        threading.Thread(target=phone, args=(base, number, tally, stop), name=f"phone-{number}")
        for number in numbers
    ]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: tally.count(lambda t: len(t.accepted)) >= per_phase, "the first load")
        for mode in restarts:
            own_server.stop(mode)
            down = tally.count(lambda t: t.unavailable)
            # Down: every message answers 503 (the phones keep sending it again).
            wait_until(lambda d=down: tally.count(lambda t: t.unavailable) >= d + 3, "503s")
            own_server.start()
            back = tally.count(lambda t: len(t.accepted))
            # Up again: messages are accepted with nobody restarting Homeward.
            wait_until(
                lambda b=back: tally.count(lambda t: len(t.accepted)) >= b + per_phase, "recovery"
            )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=WAIT_SECONDS)
    with services.sessions() as session:
        stored = set(session.scalars(select(InboundMessage.provider_id)))
        conversations = session.scalar(select(Conversation.id).limit(1))
    # Provider ids are stored as their fingerprints (encryption at rest).
    lost = {sid for sid in tally.accepted if TEST_KEYRING.fingerprint(sid) not in stored}
    print(
        f"PostgreSQL restart ({'/'.join(restarts)}), {phones} phones: "
        f"attempted {tally.attempted}, accepted {len(tally.accepted)}, "
        f"requests {tally.requests}, 503s {tally.unavailable}, lost {len(lost)}, "
        f"other answers {dict(tally.other) or 0}"
    )
    assert not lost  # every 200 was a stored message (dedup row and turn committed)
    assert tally.other == Counter()  # never a 500, never a dropped connection
    assert tally.unavailable >= 3 * len(restarts) and tally.without_retry_after == 0
    assert len(tally.accepted) == tally.attempted  # each message got through in the end
    assert conversations is not None
