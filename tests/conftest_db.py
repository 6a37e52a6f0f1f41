"""Database fixtures: a fresh migrated SQLite always, PostgreSQL too when configured.

PostgreSQL runs when HOMEWARD_TEST_DATABASE_URL is set (e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test session migrates a private schema
once and truncates it before every test; SQLite migrates a template file once and copies it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import make_engine, make_session_factory, upgrade
from bot.storage.models import Base
from tests.keys import TEST_KEYRING

PG_ENV = "HOMEWARD_TEST_DATABASE_URL"


def backends() -> list[str]:
    """The databases the tests run on here."""
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


def sqlite_url(path: Path) -> str:
    """A URL for the SQLite file at `path`."""
    return f"sqlite:///{path}"


def schema_url(base_url: str, schema: str) -> str:
    """`base_url` with every connection's search_path set to `schema`."""
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def postgresql_schema(base_url: str, label: str) -> Iterator[str]:
    """A new, empty, uniquely named schema; yields a URL that uses it and drops it after."""
    schema = f"homeward_test_{label}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            yield schema_url(base_url, schema)
        finally:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


def _postgresql_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:  # pragma: no cover - the parameter only exists when the variable is set
        pytest.fail(f"{PG_ENV} is not set")
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, once per test session."""
    path = tmp_path_factory.mktemp("template") / "homeward.db"
    upgrade(sqlite_url(path))
    # The engine is disposed: SQLite checkpointed the WAL into the file and removed it.
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def postgresql_migrated() -> Iterator[tuple[str, Engine]]:
    """A schema migrated to head once per test session, and an engine to reset it with."""
    with postgresql_schema(_postgresql_base_url(), "session") as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


@pytest.fixture(params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database at the head revision with no rows, fresh for this test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "homeward.db"
        shutil.copyfile(template, path)
        return sqlite_url(path)
    url, engine = request.getfixturevalue("postgresql_migrated")
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return str(url)


@pytest.fixture(params=backends())
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no tables at all (for migration tests)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "empty.db")
        return
    with postgresql_schema(_postgresql_base_url(), "empty") as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on `database_url` with the test keys, disposed after the test."""
    engine = make_engine(database_url, TEST_KEYRING)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `engine` (expire_on_commit=False)."""
    return make_session_factory(engine)
