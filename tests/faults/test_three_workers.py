"""Three worker processes share one outbox: each referral is sent once, none is lost.

On PostgreSQL the claims skip each other's locked rows (FOR UPDATE SKIP LOCKED); on SQLite
they take turns at the one writer. Either way no row is sent by two workers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.app import Services
from bot.delivery import webhook
from bot.storage import outbox
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


@pytest.mark.parametrize("count", [30, pytest.param(600, marks=pytest.mark.slow)])
def test_three_workers_send_every_referral_exactly_once(
    services: Services,
    worker_environment: Callable[[str], dict[str, str]],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    count: int,
    request: pytest.FixtureRequest,
) -> None:
    sessions = services.sessions
    with WebhookReceiver(SECRET) as partner:
        # A partner that takes a moment per request, so the workers' batches overlap.
        partner.answer_next(*[Answer(204, delay=0.01)] * count)
        env = worker_environment(partner.url)
        workers = [start_worker(env) for _ in range(3)]
        for worker in workers:
            worker.wait_running()  # all three compete for the rows from the first one on
        ids = queue_referrals(sessions, webhook.KIND, count, datetime.now(UTC))
        wait_until(
            lambda: statuses(sessions)[outbox.SENT] == count,
            f"all {count} sent by three workers",
            seconds=300,
        )
        codes = [worker.stop() for worker in workers]
    assert codes == [0, 0, 0], [worker.output() for worker in workers]

    # Each worker logs the rows it sent (ids and kinds only): together, each row once.
    shares = [worker.output().count("(referral-webhook) sent on attempt 1") for worker in workers]
    assert sum(shares) == count, shares
    received = [d.document["id"] for d in partner.deliveries]
    assert sorted(received) == sorted(ids)  # every one, and none twice
    assert partner.duplicates == 0 and partner.rejected == 0
    assert attempts(sessions) == count  # no row was claimed twice
    figures = Figures(
        suite="three workers on one outbox",
        backend=backend(services.settings.database_url),
        messages=count,
        attempts=attempts(sessions),
        delivered=len(partner.accepted_ids),
        duplicates=partner.duplicates,
        lost=count - len(set(received)),
        note="sent per worker " + "/".join(str(share) for share in shares),
    )
    record(request, figures)
    assert figures.lost == 0
