"""Twilio's status callbacks arrive twice and out of order: a status never moves backwards.

Each callback is signed with Twilio's own RequestValidator and posted to the real route. For
every message the provider reports "sent" and "delivered" (or "undelivered"), each twice, in
a shuffled order: the stored status must end at the furthest one reported, and a repeat or a
late, older report must change nothing.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.app import Services, build_services, create_app
from bot.channel_settings import TwilioSettings
from bot.channels.twilio import STATUS_RANKS
from bot.core.messages import Address, Outbound
from bot.delivery import chat
from bot.settings import Settings
from bot.storage import contacts, outbox
from bot.storage.models import OutboxMessage
from tests.conftest import Clock
from tests.faults.conftest import backend
from tests.faults.report import Figures, record

AUTH_TOKEN = "7c1d" * 8
PUBLIC_URL = "https://homeward.example.org"
STATUS = "/hooks/twilio/status"
NUMBER = "+525555550199"


def post(client: FlaskClient, sid: str, status: str) -> None:
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": NUMBER,
        "From": "+15005550006",
        "AccountSid": "AC" + "3f" * 16,
        "ApiVersion": "2010-04-01",
    }
    if status == "undelivered":
        form["ErrorCode"] = "30003"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + STATUS, form)
    answer = client.post(STATUS, data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200


@pytest.mark.parametrize("count", [20, pytest.param(300, marks=pytest.mark.slow)])
def test_duplicate_and_late_callbacks_never_move_a_status_back(
    settings: Settings, clock: Clock, count: int, request: pytest.FixtureRequest
) -> None:
    twilio = TwilioSettings(account_sid="AC" + "3f" * 16, auth_token=AUTH_TOKEN, sms_from="+1")
    production = replace(settings, environment="production", public_url=PUBLIC_URL, twilio=twilio)
    services = build_services(production)
    try:
        client = create_app(production, services).test_client()
        sessions = services.sessions
        with sessions.begin() as session:
            person = contacts.get_or_create_contact_for_update(session, "sms", NUMBER, clock())
            for turn in range(count):
                chat.enqueue_replies(
                    session,
                    person.id,
                    Address("sms", NUMBER),
                    [Outbound(f"Notice {turn}")],
                    f"turn-{turn}",
                    clock(),
                )
        sids: list[str] = []
        while len(sids) < count:  # what the worker does after Twilio accepted each message
            with sessions.begin() as session:
                claimed = outbox.claim(session, clock(), 100, timedelta(minutes=2))
                for item in claimed:
                    sid = f"SM{item.id:032x}"
                    assert outbox.mark_sent(session, item.id, clock(), provider_id=sid)
                    sids.append(sid)

        rng = random.Random(count)
        final: dict[str, str] = {}
        callbacks: list[tuple[str, str]] = []
        for sid in sids:
            last = "undelivered" if rng.random() < 0.1 else "delivered"
            final[sid] = last
            callbacks += [(sid, "sent"), (sid, "sent"), (sid, last), (sid, last)]
        rng.shuffle(callbacks)  # duplicates, and "sent" after "delivered", for most messages
        # The worst order for one message on purpose: delivered, then a late sent.
        first = sids[0]
        callbacks = [(first, final[first]), (first, "sent")] + [
            c for c in callbacks if c[0] != first
        ]

        changes = 0
        for sid, status in callbacks:
            before = _status(services, sid)
            post(client, sid, status)
            after = _status(services, sid)
            assert STATUS_RANKS[after or "queued"] >= STATUS_RANKS[before or "queued"]
            changes += after != before
        ended = {sid: _status(services, sid) for sid in sids}
    finally:
        services.database.dispose()

    assert ended == final  # each at the furthest status reported, whatever the order
    delivered = sum(1 for status in ended.values() if status == "delivered")
    figures = Figures(
        suite="Twilio callbacks repeated, late",
        backend=backend(settings.database_url),
        messages=count,
        attempts=len(callbacks),
        delivered=delivered,
        duplicates=len(callbacks) - changes,  # callbacks that rightly changed nothing
        lost=sum(1 for sid in sids if ended[sid] != final[sid]),
    )
    record(request, figures)
    assert figures.lost == 0


def _status(services: Services, sid: str) -> str | None:
    with services.sessions() as session:
        return session.scalar(
            select(OutboxMessage.delivery_status).where(OutboxMessage.provider_id == sid)
        )
