"""The database layer keeps values out of logs and exception messages, at any log level."""

from __future__ import annotations

import logging
import pickle

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from tests import log_leaks

MARIA = "+525555550123"


def test_engines_hide_parameters_and_postgresql_pings_before_use(engine: Engine) -> None:
    assert engine.hide_parameters
    if engine.dialect.name == "postgresql":
        # A connection the server dropped (restart, failover) is replaced, not handed out.
        assert engine.pool._pre_ping  # type: ignore[attr-defined]


def test_statements_and_rows_are_logged_without_their_values(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    log_leaks.register(MARIA)
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy.engine", "sqlalchemy.engine.Engine"):
        caplog.set_level(logging.DEBUG, logger=name)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT :phone AS phone"), {"phone": MARIA}).scalar()
    assert found == MARIA
    logged = caplog.text
    assert "SELECT" in logged and "[SQL parameters hidden due to hide_parameters=True]" in logged
    assert "Row [hidden]" in logged  # the DEBUG line is there, its values are not
    assert MARIA not in logged


@pytest.fixture
def phones(engine: Engine) -> Engine:
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS privacy_phones"))
        connection.execute(text("CREATE TABLE privacy_phones (phone VARCHAR(32) UNIQUE)"))
        connection.execute(text("INSERT INTO privacy_phones VALUES (:phone)"), {"phone": MARIA})
    return engine


def test_a_duplicate_key_error_names_the_constraint_not_the_value(phones: Engine) -> None:
    log_leaks.register(MARIA)
    with pytest.raises(IntegrityError) as raised, phones.begin() as connection:
        connection.execute(text("INSERT INTO privacy_phones VALUES (:phone)"), {"phone": MARIA})
    error = raised.value
    for shown in (str(error), repr(error), str(error.orig), repr(error.orig)):
        assert MARIA not in shown
        assert "privacy_phones" in shown  # what failed is still said
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(error)
    if phones.dialect.name == "postgresql":
        assert "UniqueViolation (SQLSTATE 23505)" in str(error)
        assert error.orig.sqlstate == "23505"  # type: ignore[union-attr]
        # Code that must know more still can: the driver's diagnostics are untouched.
        assert MARIA in error.orig.diag.message_detail  # type: ignore[union-attr]
    # A pickled error (a worker queue, a crash report) carries the cleaned text too.
    assert MARIA not in str(pickle.loads(pickle.dumps(error)))


def test_errors_about_a_value_do_not_quote_it(engine: Engine) -> None:
    log_leaks.register(MARIA)
    statement = "SELECT CAST(:phone AS INTEGER) FROM no_such_table"
    with pytest.raises(DBAPIError) as raised, engine.connect() as connection:
        connection.execute(text(statement), {"phone": MARIA})
    assert MARIA not in str(raised.value) and MARIA not in str(raised.value.orig)
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(raised.value)
    if engine.dialect.name == "postgresql":
        # PostgreSQL puts the value in the message itself: 'value "+525555550123" is out
        # of range for type integer'.
        with pytest.raises(DataError) as bad, engine.connect() as connection:
            connection.execute(text("SELECT CAST(:phone AS INTEGER)"), {"phone": MARIA})
        assert MARIA not in str(bad.value) and MARIA not in str(bad.value.orig)
        assert "NumericValueOutOfRange (SQLSTATE 22003)" in str(bad.value)
