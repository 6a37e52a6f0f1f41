"""Texts from one phone arriving at the same moment, over real HTTP: each handled in turn."""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.app import Services, build_services, create_app
from bot.settings import Settings
from bot.storage import contacts
from bot.storage.models import Contact
from tests.channels.twilio.conftest import MARIA, new_sid, payload, signature
from tests.concurrently import all_at_once, loop_settings

PATH = "/hooks/twilio"
SENDERS = 6


@pytest.fixture
def loop_services(settings: Settings, tmp_path: Path) -> Iterator[Services]:
    services = build_services(loop_settings(settings, tmp_path))
    yield services
    services.database.dispose()


@pytest.fixture
def live_url(loop_services: Services) -> Iterator[str]:
    app = create_app(loop_services.settings, loop_services)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def text(base: str, body: str) -> list[str]:
    form = payload("sms_text", From=MARIA, Body=body, MessageSid=new_sid())
    request = urllib.request.Request(
        base + PATH,
        data=urllib.parse.urlencode(form).encode(),
        headers={"X-Twilio-Signature": signature(PATH, form)},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return [message.text or "" for message in ET.fromstring(answer.read())]


def test_simultaneous_texts_are_all_answered_and_none_is_lost(
    live_url: str, loop_services: Services
) -> None:
    assert text(live_url, "hi") == ["Tell me more."]
    answers, failures = all_at_once(SENDERS, lambda n: text(live_url, f"part {n}"), timeout=90)
    assert failures == []
    assert list(answers.values()) == [["Tell me more."]] * SENDERS
    with loop_services.sessions() as session:
        maria = session.scalars(select(Contact).where(Contact.address_key == MARIA)).one()
        state = contacts.load_state(session, maria)
    # Each text became exactly one answer, applied one after the other.
    assert sorted(str(value) for _, value in state.history) == [
        f"part {n}" for n in range(SENDERS)
    ]
