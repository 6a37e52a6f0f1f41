"""A partner's endpoint is down for four days, then back: every referral arrives, once."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot.app import Services
from bot.core.partners import Intake
from bot.delivery import webhook
from bot.delivery.webhook import WebhookSender
from bot.delivery.worker import Worker
from bot.storage import outbox, referrals
from tests.conftest import Clock
from tests.delivery.receivers import SECRET, WebhookReceiver, free_port
from tests.faults.conftest import PARTNER, attempts, backend, queue_referrals, settle, statuses
from tests.faults.report import Figures, record

DOWN = timedelta(days=4)


@pytest.mark.parametrize("count", [5, pytest.param(100, marks=pytest.mark.slow)])
def test_a_partner_down_for_four_days_gets_every_referral_once_it_is_back(
    services: Services, clock: Clock, count: int, request: pytest.FixtureRequest
) -> None:
    port = free_port()  # nothing listens there: connections are refused, as when it is down
    url = f"http://127.0.0.1:{port}/homeward"
    intakes = {PARTNER: Intake(webhook_url=url, webhook_secret=SECRET)}
    sender = WebhookSender(intakes.get, 2.0, allow_private=True)
    # The shipped schedule, jitter included (seeded: the run can be repeated).
    worker = Worker(services.sessions, {webhook.KIND: sender}, clock, rng=random.Random(10))
    start = clock()
    ids = queue_referrals(services.sessions, webhook.KIND, count, start)
    try:
        settle(worker, services.sessions, clock, until=start + DOWN)
        tried_while_down = attempts(services.sessions)
        assert statuses(services.sessions)[outbox.FAILED] == count  # waiting, none given up
        assert statuses(services.sessions)[outbox.DEAD] == 0

        clock.now = start + DOWN
        with WebhookReceiver(SECRET, port=port) as partner:
            settle(worker, services.sessions, clock, until=start + timedelta(days=30))
    finally:
        sender.close()

    assert statuses(services.sessions)[outbox.SENT] == count
    with services.sessions() as session:
        assert {referrals.status_of(session, i) for i in ids} == {referrals.DELIVERED}
    delivered = {d.document["id"] for d in partner.deliveries if 200 <= d.status < 300}
    assert delivered == set(ids)
    assert partner.duplicates == 0 and partner.rejected == 0
    assert clock() - start < DOWN + timedelta(days=1, hours=5)  # the next try after it is up
    figures = Figures(
        suite="partner endpoint down 4 days",
        backend=backend(services.settings.database_url),
        messages=count,
        attempts=attempts(services.sessions),
        delivered=len(partner.accepted_ids),
        duplicates=partner.duplicates,
        lost=count - len(delivered),
    )
    record(request, figures)
    assert figures.lost == 0
    assert tried_while_down >= count * 9  # it kept trying throughout
