"""Delivery workers' heartbeats: each says it is alive; `/healthz` reads the newest beat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.core.errors import StorageError
from bot.storage.models import WorkerHeartbeat


def beat(session: Session, worker_id: str, started_at: datetime, now: datetime) -> None:
    """Record that the worker `worker_id` (started at `started_at`) is alive at `now`."""
    values = {"worker_id": worker_id, "started_at": started_at, "beat_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg_insert = postgresql.insert(WorkerHeartbeat).values(values)
        session.execute(
            pg_insert.on_conflict_do_update(
                index_elements=["worker_id"], set_={"beat_at": pg_insert.excluded.beat_at}
            )
        )
    elif dialect == "sqlite":
        lite_insert = sqlite.insert(WorkerHeartbeat).values(values)
        session.execute(
            lite_insert.on_conflict_do_update(
                index_elements=["worker_id"], set_={"beat_at": lite_insert.excluded.beat_at}
            )
        )
    else:
        raise StorageError(f"unsupported database dialect: {dialect}")


def stop(session: Session, worker_id: str) -> None:
    """The worker stops cleanly: its heartbeat goes, so nobody waits for it."""
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id))


def forget_before(session: Session, before: datetime) -> int:
    """Remove the heartbeats of workers silent since before `before` (killed long ago)."""
    gone = session.execute(
        delete(WorkerHeartbeat)
        .where(WorkerHeartbeat.beat_at < before)
        .returning(WorkerHeartbeat.worker_id)
    )
    return len(gone.all())


def latest(session: Session) -> datetime | None:
    """The newest beat of any worker, or None when no worker has beaten."""
    return session.scalar(select(func.max(WorkerHeartbeat.beat_at)))


def alive(session: Session, since: datetime) -> int:
    """How many workers have beaten since `since`."""
    found = session.scalar(
        select(func.count()).select_from(WorkerHeartbeat).where(WorkerHeartbeat.beat_at >= since)
    )
    return int(found or 0)
