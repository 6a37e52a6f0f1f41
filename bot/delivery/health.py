"""What `/healthz` says of delivery: is a worker alive, how long has the oldest row waited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.storage import heartbeats, outbox


@dataclass(frozen=True, slots=True)
class DeliveryHealth:
    """The delivery side of the health check, at one moment.

    `ok` is False when no worker has beaten within `stale_after`: nothing would be sent.
    Ages are in seconds, None when there is nothing to measure.
    """

    last_beat_age: float | None
    workers: int
    oldest_due_age: float | None
    stale_after: float

    @property
    def ok(self) -> bool:
        """Whether some worker beat recently enough to be sending."""
        return self.last_beat_age is not None and self.last_beat_age <= self.stale_after

    def as_json(self) -> dict[str, Any]:
        """The `/healthz` document: status, then the worker's and the outbox's figures."""
        return {
            "status": "ok" if self.ok else "no-worker",
            "database": "ok",
            "worker": {
                "last_beat_seconds_ago": _rounded(self.last_beat_age),
                "alive": self.workers,
                "stale_after_seconds": self.stale_after,
            },
            "outbox": {"oldest_due_seconds": _rounded(self.oldest_due_age)},
        }


def delivery_health(
    sessions: sessionmaker[Session], now: datetime, stale_after: timedelta
) -> DeliveryHealth:
    """Read the newest heartbeat and the oldest due outbox row (raises if the database fails)."""
    with sessions() as session:
        beat = heartbeats.latest(session)
        workers = heartbeats.alive(session, now - stale_after)
        due = outbox.oldest_due(session, now)
    return DeliveryHealth(
        last_beat_age=_age(beat, now),
        workers=workers,
        oldest_due_age=_age(due, now),
        stale_after=stale_after.total_seconds(),
    )


def _age(moment: datetime | None, now: datetime) -> float | None:
    # A beat from a clock slightly ahead of ours is "just now", not a negative age.
    return None if moment is None else max(0.0, (now - moment).total_seconds())


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)
