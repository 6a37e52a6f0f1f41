"""A failed request: a request id, a plain answer, and a log line with the error's type alone."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from bot.app import build_services, create_app
from bot.settings import Settings
from bot.web_errors import REQUEST_ID_HEADER, RETRY_AFTER_SECONDS
from tests import log_leaks

MARIA = "+525555550123"
WORDS = "my brother was detained in Laredo"


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    def boom() -> str:
        raise ValueError(f"cannot handle {MARIA}: {WORDS}")

    app.add_url_rule("/boom", "boom", boom, methods=["POST"])
    return app


def test_an_error_answers_a_bare_500_and_logs_its_type_and_request_id(
    failing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    log_leaks.register(MARIA, WORDS)
    caplog.set_level(logging.DEBUG)
    answer = failing_app.test_client().post("/boom", data={"From": MARIA, "Body": WORDS})
    assert answer.status_code == 500
    assert answer.mimetype == "text/plain"
    assert answer.get_data(as_text=True) == "Internal Server Error\n"
    request_id = answer.headers[REQUEST_ID_HEADER]
    [failed] = [r for r in caplog.records if r.name == "bot.web_errors"]
    assert failed.levelno == logging.ERROR
    assert failed.getMessage() == "request failed: ValueError in boom"
    assert failed.request_id == request_id  # type: ignore[attr-defined]
    assert "in boom" in failed.traceback  # type: ignore[attr-defined]  # frames, no message
    assert MARIA not in caplog.text and "Laredo" not in caplog.text
    assert MARIA not in failed.traceback  # type: ignore[attr-defined]


def test_every_request_gets_its_own_id_and_a_client_cannot_choose_it(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/", headers={REQUEST_ID_HEADER: MARIA})
    second = client.get("/nowhere")
    ids = [first.headers[REQUEST_ID_HEADER], second.headers[REQUEST_ID_HEADER]]
    assert first.status_code == 200 and second.status_code == 404  # Flask's own answers
    assert ids[0] != ids[1] and MARIA not in ids
    assert all(len(value) == 16 and int(value, 16) >= 0 for value in ids)
    assert first.headers.getlist(REQUEST_ID_HEADER) == [ids[0]]


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield int(probe.getsockname()[1])  # bound, never listening: connections are refused


def test_an_unreachable_database_answers_503_with_retry_after(
    closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/homeward",
        environment="development",
        run_worker=False,
        start_flow="placeholder",
        languages=("en",),
    )
    services = build_services(settings)
    log_leaks.register(MARIA, WORDS)
    try:
        answer = (
            create_app(settings, services)
            .test_client()
            .post("/simulator/messages", json={"address": MARIA, "text": WORDS})
        )
    finally:
        services.database.dispose()
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert MARIA not in answer.get_data(as_text=True)
    [unavailable] = [r for r in caplog.records if r.name == "bot.web_errors"]
    assert unavailable.getMessage() == (
        "database unavailable, answered 503: OperationalError (psycopg.OperationalError)"
    )


def test_a_failed_database_write_logs_neither_its_parameters_nor_the_values(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """What a fuzz run found before: Flask's error log printed SQLAlchemy's bound parameters
    (and PostgreSQL's "Key (...)=(...) already exists") at ERROR."""
    database = app.extensions["homeward"].database
    with database.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS privacy_phones"))
        connection.execute(text("CREATE TABLE privacy_phones (phone VARCHAR(32) UNIQUE)"))

    def store() -> str:
        with database.begin() as connection:
            insert = text("INSERT INTO privacy_phones VALUES (:phone)")
            connection.execute(insert, {"phone": MARIA})
        return "stored"

    app.add_url_rule("/store", "store", store, methods=["POST"])
    log_leaks.register(MARIA)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")  # statements and rows
    client = app.test_client()
    assert client.post("/store").status_code == 200
    again = client.post("/store")
    assert again.status_code == 500 and MARIA not in again.get_data(as_text=True)
    [failed] = [r for r in caplog.records if r.name == "bot.web_errors"]
    assert failed.getMessage().startswith("request failed: IntegrityError (")
    assert MARIA not in caplog.text
    assert "INSERT INTO privacy_phones" in caplog.text  # the statement was logged, at INFO
