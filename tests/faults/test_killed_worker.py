"""A worker process is killed (SIGKILL) mid-send: its row comes back, is delivered, once more.

The partner's server is real and holds the first request open; the worker is a real
`homeward worker` process on the test's database. The partner got that first request but
Homeward never heard back, so the row is sent again once the lease runs out, with the same
`webhook-id`: the partner drops the repeat.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.delivery import webhook
from bot.storage import outbox
from bot.storage.models import OutboxMessage, WorkerHeartbeat
from tests.delivery.receivers import SECRET, Answer, WebhookReceiver
from tests.faults.conftest import (
    WorkerProcess,
    attempts,
    backend,
    queue_referrals,
    statuses,
    wait_until,
)
from tests.faults.report import Figures, record


@pytest.mark.parametrize("count", [1, pytest.param(50, marks=pytest.mark.slow)])
def test_a_row_in_flight_when_its_worker_is_killed_is_reclaimed_and_delivered(
    services: Services,
    worker_environment: Callable[[str], dict[str, str]],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    count: int,
    request: pytest.FixtureRequest,
) -> None:
    sessions = services.sessions
    ids = queue_referrals(sessions, webhook.KIND, count, datetime.now(UTC))
    release = threading.Event()
    with WebhookReceiver(SECRET) as partner:
        partner.answer_next(Answer(204, hold=release))  # the first request hangs
        env = worker_environment(partner.url)
        doomed = start_worker(env)
        try:
            assert partner.arrived.wait(120), doomed.output()
            doomed.kill()  # mid-send: the partner has the request, Homeward has no answer
        finally:
            release.set()
        with sessions() as session:
            in_flight = session.scalars(
                select(OutboxMessage).where(OutboxMessage.status == outbox.IN_FLIGHT)
            ).all()
            orphan_beats = session.scalars(select(WorkerHeartbeat.worker_id)).all()
        assert len(in_flight) >= 1
        assert len(orphan_beats) == 1  # killed: it could not clear its heartbeat

        replacement = start_worker(env)
        wait_until(
            lambda: statuses(sessions)[outbox.SENT] == count,
            f"all {count} sent by the replacement worker",
        )
        assert replacement.stop() == 0, replacement.output()

    first = partner.deliveries[0]
    repeats = [d for d in partner.deliveries if d.webhook_id == first.webhook_id]
    assert len(repeats) == 2  # the partner saw it twice ...
    assert repeats[1].body == first.body  # ... the same message, under the same webhook-id
    assert partner.duplicates == 1  # which it drops; nothing else came twice
    delivered = partner.accepted_ids
    assert len(delivered) == count
    assert {d.document["id"] for d in partner.deliveries} == set(ids)
    with sessions() as session:
        beats = session.scalars(select(WorkerHeartbeat.worker_id)).all()
        reclaimed = session.get_one(OutboxMessage, in_flight[0].id)
    assert beats == orphan_beats  # the replacement stopped cleanly and cleared its own
    assert reclaimed.attempts == 2
    figures = Figures(
        suite="worker killed mid-send (SIGKILL)",
        backend=backend(services.settings.database_url),
        messages=count,
        attempts=attempts(sessions),
        delivered=len(delivered),
        duplicates=partner.duplicates,
        lost=count - len(delivered),
    )
    record(request, figures)
    assert figures.lost == 0
