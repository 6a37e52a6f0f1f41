"""`/healthz`: 503 when no worker beats, the age of the oldest due row, the SMTP start-up check."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from bot.app import Services, build_services, create_app
from bot.cli import main
from bot.core.errors import ConfigError
from bot.delivery.worker import Worker
from bot.settings import Settings
from bot.storage import heartbeats, outbox
from bot.storage.database import make_engine, make_session_factory
from tests.keys import TEST_KEY_ENV

EMAIL_PARTNER = """\
partners:
  - id: mail-only-clinic
    name: Mail-only Clinic
    services: [legal]
    national: true
    languages: [en]
    takes_deported: true
    weekly_capacity: 5
    intake:
      email: intake@clinic.example
"""


def health(app: Flask) -> tuple[int, dict[str, object]]:
    answer = app.test_client().get("/healthz")
    document = answer.get_json()
    assert isinstance(document, dict)
    return answer.status_code, document


def beat(services: Services, age: timedelta, worker_id: str = "host:1:ab") -> None:
    now = datetime.now(UTC)
    with services.sessions.begin() as session:
        heartbeats.beat(session, worker_id, now - age - timedelta(hours=1), now - age)


def test_without_a_worker_the_health_check_fails(app: Flask) -> None:
    status, document = health(app)
    assert status == 503
    assert document["status"] == "no-worker"
    assert document["database"] == "ok"
    assert document["worker"] == {
        "last_beat_seconds_ago": None,
        "alive": 0,
        "stale_after_seconds": 60.0,
    }


def test_a_worker_that_beat_lately_is_healthy(app: Flask, services: Services) -> None:
    beat(services, timedelta(seconds=3))
    status, document = health(app)
    assert (status, document["status"]) == (200, "ok")
    worker = document["worker"]
    assert isinstance(worker, dict)
    assert worker["alive"] == 1 and 3 <= worker["last_beat_seconds_ago"] < 60


def test_a_worker_whose_beat_went_stale_is_taken_for_dead(app: Flask, services: Services) -> None:
    beat(services, timedelta(minutes=2))
    status, document = health(app)
    assert (status, document["status"]) == (503, "no-worker")
    worker = document["worker"]
    assert isinstance(worker, dict)
    assert worker["alive"] == 0 and worker["last_beat_seconds_ago"] >= 120


def test_the_age_of_the_oldest_due_row_is_reported(app: Flask, services: Services) -> None:
    beat(services, timedelta(0))
    now = datetime.now(UTC)
    with services.sessions.begin() as session:
        outbox.enqueue(session, "webhook", "a", {}, now, due=now - timedelta(minutes=10))
        outbox.enqueue(session, "webhook", "b", {}, now, due=now - timedelta(minutes=2))
        outbox.enqueue(session, "webhook", "later", {}, now, due=now + timedelta(hours=1))
    _, document = health(app)
    waiting = document["outbox"]
    assert isinstance(waiting, dict)
    assert 600 <= waiting["oldest_due_seconds"] < 660


def test_nothing_due_reports_no_age(app: Flask, services: Services) -> None:
    beat(services, timedelta(0))
    _, document = health(app)
    assert document["outbox"] == {"oldest_due_seconds": None}


def test_a_running_worker_makes_the_check_pass_and_its_clean_stop_makes_it_fail(
    app: Flask, services: Services
) -> None:
    worker = Worker(services.sessions, {}, lambda: datetime.now(UTC))
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop, 0.01))
    thread.start()
    try:
        for _ in range(500):  # until its first beat is written
            if health(app)[0] == 200:
                break
            stop.wait(0.02)
        assert health(app)[0] == 200
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert health(app)[0] == 503  # it cleared its beat: nobody is sending now


def test_a_database_that_fails_is_a_503_without_details(
    settings: Settings, services: Services, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database, and the error must not say so " * 100)
    engine = make_engine(f"sqlite:///{broken}")
    try:
        unusable = replace(services, sessions=make_session_factory(engine))
        answer = create_app(settings, unusable).test_client().get("/healthz")
    finally:
        engine.dispose()
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "database-unavailable", "database": "unavailable"}


# -- An email intake needs a mail server -----------------------------------------------------


@pytest.fixture
def mail_only(settings: Settings, tmp_path: Path) -> Settings:
    partners = tmp_path / "partners.yaml"
    partners.write_text(EMAIL_PARTNER, encoding="utf-8")
    return replace(settings, partners_file=partners)


def test_in_production_an_email_intake_without_smtp_stops_start_up(mail_only: Settings) -> None:
    production = replace(mail_only, environment="production")
    services = build_services(production)  # the operator's tools still start ...
    try:
        with pytest.raises(ConfigError) as stopped:
            create_app(production, services)  # ... the web app does not
    finally:
        services.database.dispose()
    message = str(stopped.value)
    assert "HOMEWARD_SMTP_URL" in message and "mail-only-clinic" in message
    assert "intake@clinic.example" not in message


def test_with_smtp_or_in_development_an_email_intake_starts(mail_only: Settings) -> None:
    for settings in (
        replace(mail_only, environment="production", smtp_url="smtp://mail.example.org"),
        mail_only,  # development: the development inbox keeps them, read at /dev/referrals
    ):
        services = build_services(settings)
        try:
            create_app(settings, services)
        finally:
            services.database.dispose()


def test_the_worker_command_refuses_to_start_too(
    mail_only: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert mail_only.partners_file is not None
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", mail_only.database_url)
    monkeypatch.setenv("HOMEWARD_PARTNERS_FILE", str(mail_only.partners_file))
    monkeypatch.setenv("HOMEWARD_START_FLOW", "placeholder")
    monkeypatch.setenv("HOMEWARD_ENV", "production")
    monkeypatch.delenv("HOMEWARD_SMTP_URL", raising=False)
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 1
    assert "HOMEWARD_SMTP_URL" in result.output and "mail-only-clinic" in result.output
    assert "Traceback" not in result.output
