"""The mail server is down for hours (a real aiosmtpd server, stopped, then started again)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy

import pytest

from bot.app import Services
from bot.core.partners import Intake
from bot.delivery import email
from bot.delivery.email import EmailSender
from bot.delivery.worker import Worker
from bot.storage import outbox, referrals
from tests.conftest import Clock
from tests.delivery.receivers import SmtpServer
from tests.faults.conftest import PARTNER, attempts, backend, queue_referrals, settle, statuses
from tests.faults.report import Figures, record

DOWN = timedelta(hours=12)
INTAKE = "intake@demo-legal.example"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("count", [5, pytest.param(100, marks=pytest.mark.slow)])
def test_referral_emails_wait_for_the_mail_server_and_arrive_once(
    services: Services,
    clock: Clock,
    smtp: SmtpServer,
    count: int,
    request: pytest.FixtureRequest,
) -> None:
    intakes = {PARTNER: Intake(email=INTAKE)}
    sender = EmailSender(
        f"smtp+insecure://127.0.0.1:{smtp.port}", "referrals@homeward.example", intakes.get, 2.0
    )
    worker = Worker(services.sessions, {email.KIND: sender}, clock, rng=random.Random(11))
    start = clock()
    ids = queue_referrals(services.sessions, email.KIND, count, start)

    smtp.stop()
    settle(worker, services.sessions, clock, until=start + DOWN)
    assert statuses(services.sessions)[outbox.FAILED] == count
    assert smtp.received == []
    clock.now = start + DOWN
    smtp.start()
    settle(worker, services.sessions, clock, until=start + timedelta(days=30))

    assert statuses(services.sessions)[outbox.SENT] == count
    with services.sessions() as session:
        assert {referrals.status_of(session, i) for i in ids} == {referrals.DELIVERED}
    message_ids = [
        str(message_from_bytes(m.content, policy=policy.default)["Message-ID"])
        for m in smtp.received
    ]
    arrived = {message_id.strip("<>").split(".")[0] for message_id in message_ids}
    assert arrived == set(ids)
    assert all(m.rcpt_tos == [INTAKE] for m in smtp.received)
    figures = Figures(
        suite="SMTP server down 12 hours",
        backend=backend(services.settings.database_url),
        messages=count,
        attempts=attempts(services.sessions),
        delivered=len(set(message_ids)),
        duplicates=len(message_ids) - len(set(message_ids)),
        lost=count - len(arrived),
    )
    record(request, figures)
    assert (figures.lost, figures.duplicates) == (0, 0)
