"""Fault suites: delivery under failures, on each database, against real receivers.

Each suite queues referrals, breaks something real (a partner's endpoint, the mail server, a
worker process, the order of provider callbacks), lets it recover, and counts what the
receiver saw. Short runs are part of `make test`; long ones are marked `slow`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import email, webhook
from bot.delivery.worker import Worker
from bot.storage import outbox, referrals
from bot.storage.models import OutboxMessage
from tests.conftest import Clock
from tests.delivery.receivers import SECRET, sample_referral
from tests.keys import TEST_KEY_ENV

PARTNER = "demo-legal"
# One partner, reached by webhook (and email, where a suite says so).
PARTNERS_FILE = """\
partners:
  - id: demo-legal
    name: Demo Legal Aid
    services: [legal]
    national: true
    languages: [en]
    takes_deported: true
    weekly_capacity: 100000
    intake:
      webhook: {{url: "{url}", secret: "{secret}"}}
"""
WORKER = [sys.executable, "-c", "from bot.cli import main; main()", "worker"]
# A short lease, so a killed worker's row comes back within seconds; its sends time out after
# a quarter of it (bot/delivery/senders.py).
LEASE_SECONDS = 6

Sessions = sessionmaker[Session]


def backend(database_url: str) -> str:
    """Which database a fault run used, for its figures."""
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


def queue_referrals(sessions: Sessions, kind: str, count: int, now: datetime) -> list[str]:
    """`count` referrals to the partner, stored and queued for one intake; their ids."""
    # The first half of an id makes the reference code: numbered, so no two codes collide.
    ids = [f"{number:016x}{uuid.uuid4().hex[:16]}" for number in range(1, count + 1)]
    queue = webhook.enqueue if kind == webhook.KIND else email.enqueue
    with sessions.begin() as session:
        for referral_id in ids:
            referral = sample_referral(id=referral_id, partner_id=PARTNER)
            referrals.create(
                session,
                referral.id,
                referral.reference,
                None,
                PARTNER,
                referral.to_document(),
                referral.urgent,
                now,
            )
            assert queue(session, referral, now)
    return ids


def statuses(sessions: Sessions) -> dict[str, int]:
    """How many outbox rows are in each status."""
    with sessions() as session:
        return outbox.counts(session)


def attempts(sessions: Sessions) -> int:
    """Every try made, over all rows."""
    with sessions() as session:
        return int(session.scalar(select(func.sum(OutboxMessage.attempts))) or 0)


def settle(worker: Worker, sessions: Sessions, clock: Clock, *, until: datetime) -> None:
    """Run the worker, the clock jumping to the next due row, until nothing is due by `until`.

    Retries days apart take no time: the clock moves; the receivers and the database are real.
    """
    while True:
        while worker.run_once():
            pass
        with sessions() as session:
            due = session.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    OutboxMessage.status.in_((outbox.PENDING, outbox.FAILED))
                )
            )
        if due is None or due > until:
            return
        clock.now = max(clock.now, due)


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 120.0) -> None:
    """Poll `condition` until it holds; fail naming `what` after a generous deadline."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.05)


@dataclass
class WorkerProcess:
    """A real `homeward worker` process and its log file."""

    process: subprocess.Popen[bytes]
    log: Path
    _output: IO[bytes]

    def kill(self) -> None:
        """SIGKILL: no clean-up, no heartbeat cleared, the row in flight stays in flight."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self._output.close()

    def stop(self) -> int:
        """SIGTERM, as a process manager stops it; returns its exit status."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(60)
        finally:
            self._output.close()
        return code

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_running(self) -> None:
        """Until it says it runs: started, migrated, and its SIGTERM handler installed."""
        wait_until(
            lambda: "Outbox worker running" in self.output() or self.process.poll() is not None,
            "the worker to start",
        )
        assert self.process.poll() is None, self.output()


@pytest.fixture
def worker_environment(database_url: str, tmp_path: Path) -> Callable[[str], dict[str, str]]:
    """The environment of a worker process whose partner's webhook is at the given URL."""

    def environment(url: str) -> dict[str, str]:
        partners = tmp_path / "partners.yaml"
        partners.write_text(PARTNERS_FILE.format(url=url, secret=SECRET), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEWARD_")}
        return {
            **env,
            "HOMEWARD_DATABASE_URL": database_url,
            "HOMEWARD_ENV": "development",  # the receiver is plain http on loopback
            "HOMEWARD_START_FLOW": "placeholder",
            "HOMEWARD_LANGUAGES": "en",
            "HOMEWARD_PARTNERS_FILE": str(partners),
            "HOMEWARD_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
            **TEST_KEY_ENV,  # the keys the test's own rows were written with
        }

    return environment


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], WorkerProcess]]:
    """Start `homeward worker` processes; any still running at the end are killed."""
    started: list[WorkerProcess] = []

    def start(env: dict[str, str]) -> WorkerProcess:
        log = tmp_path / f"worker-{len(started) + 1}.log"
        output = log.open("wb")
        process = subprocess.Popen(
            WORKER, env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT
        )
        started.append(WorkerProcess(process, log, output))
        return started[-1]

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.kill()
