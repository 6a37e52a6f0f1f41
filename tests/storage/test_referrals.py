"""Stored referrals: created once, their status recorded, counted per partner for fairness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.storage import referrals
from bot.storage.models import Referral

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def make(sessions: sessionmaker[Session], number: int, partner: str, at: datetime) -> bool:
    with sessions.begin() as session:
        return referrals.create(
            session, f"{number:032x}", f"HW-{number:06d}", None, partner, {"v": 1}, False, at
        )


def test_a_referral_is_created_once(session_factory: sessionmaker[Session]) -> None:
    assert make(session_factory, 1, "clinic", NOW)
    assert not make(session_factory, 1, "clinic", NOW)
    with session_factory.begin() as session:
        referrals.set_status(session, f"{1:032x}", referrals.DELIVERED, NOW)
    with session_factory() as session:
        stored = session.get(Referral, f"{1:032x}")
        assert stored is not None and stored.status == "delivered"


def test_weekly_load_counts_the_last_seven_days(session_factory: sessionmaker[Session]) -> None:
    make(session_factory, 1, "clinic", NOW - timedelta(days=8))
    make(session_factory, 2, "clinic", NOW - timedelta(days=2))
    make(session_factory, 3, "clinic", NOW)
    make(session_factory, 4, "vets", NOW)
    with session_factory() as session:
        assert referrals.weekly_load(session, NOW) == {"clinic": 2, "vets": 1}
