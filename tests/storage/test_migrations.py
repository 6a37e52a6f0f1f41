"""Migrations run from empty to head on every backend, and `check` catches model drift."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select

from bot.core.errors import ConfigError, StorageError
from bot.core.state import State
from bot.storage.contacts import (
    get_or_create_contact_for_update,
    load_state,
    record_inbound,
    save_state,
)
from bot.storage.database import (
    SchemaDriftError,
    check,
    current_revision,
    downgrade,
    make_engine,
    make_session_factory,
    migrations_dir,
    normalize_url,
    sqlite_foreign_keys_off,
    upgrade,
    verify_sqlite_foreign_keys,
)
from bot.storage.models import OutboxMessage
from tests.keys import TEST_KEYRING

REPO = Path(__file__).resolve().parents[2]
HEAD = ScriptDirectory(str(REPO / "migrations")).get_current_head()
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TABLES = {
    "contacts",
    "conversations",
    "disabled_endpoints",
    "inbound_messages",
    "outbox",
    "referrals",
    "worker_heartbeats",
}


@pytest.fixture
def empty_engine(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrade_from_empty_to_head_creates_the_schema_with_no_drift(
    empty_engine: Engine,
) -> None:
    assert current_revision(empty_engine) is None
    assert table_names(empty_engine) == set()

    upgrade(empty_engine)

    assert current_revision(empty_engine) == HEAD
    assert table_names(empty_engine) == {*TABLES, "alembic_version"}
    check(empty_engine)


def test_constraints_and_indexes_follow_the_naming_convention(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    inspector = inspect(empty_engine)

    uniques = {
        table: {uc["name"] for uc in inspector.get_unique_constraints(table)} for table in TABLES
    }
    assert uniques == {
        "contacts": {"uq_contacts_channel_address_key"},
        "conversations": {"uq_conversations_contact_id"},
        "inbound_messages": {"uq_inbound_messages_channel_provider_id"},
        "outbox": {"uq_outbox_dedupe_key", "uq_outbox_provider_id"},
        "referrals": {"uq_referrals_reference"},
        "disabled_endpoints": set(),
        "worker_heartbeats": set(),
    }
    indexes = inspector.get_indexes("outbox")
    # PostgreSQL also lists the index behind each unique constraint.
    assert {ix["name"] for ix in indexes if not ix.get("duplicates_constraint")} == {
        "ix_outbox_status",
        "ix_outbox_next_attempt_at",
        "ix_outbox_contact_id",
        "ix_outbox_sequence_key",
    }
    fks = inspector.get_foreign_keys("conversations")
    assert [(fk["name"], fk["options"].get("ondelete")) for fk in fks] == [
        ("fk_conversations_contact_id_contacts", "CASCADE")
    ]


def test_check_fails_on_a_database_that_was_never_migrated(empty_engine: Engine) -> None:
    with pytest.raises(SchemaDriftError, match="not up to date"):
        check(empty_engine)


def test_check_fails_when_a_model_column_is_missing_from_the_database(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE contacts DROP COLUMN last_inbound_at")

    with pytest.raises(SchemaDriftError, match="add_column contacts last_inbound_at"):
        check(empty_engine)


def test_check_fails_when_an_index_is_missing(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_outbox_next_attempt_at")

    with pytest.raises(SchemaDriftError, match="add_index ix_outbox_next_attempt_at"):
        check(empty_engine)


def test_check_compares_column_types(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    # A batch operation: ALTER on PostgreSQL, copy-and-move of the table on SQLite.
    with empty_engine.begin() as connection:
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("outbox") as batch:
            batch.alter_column("kind", type_=sa.String(64), existing_nullable=False)

    with pytest.raises(SchemaDriftError, match="modify_type"):
        check(empty_engine)


def test_downgrade_to_base_and_up_again(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert table_names(empty_engine) == {"alembic_version"}
    assert current_revision(empty_engine) is None

    upgrade(empty_engine)
    check(empty_engine)


def test_migrating_sqlite_leaves_foreign_keys_enforced(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        upgrade(engine)  # turns enforcement off on its connection while it runs
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            with pytest.raises(sa.exc.IntegrityError):
                connection.exec_driver_sql(
                    "INSERT INTO conversations (contact_id, status, state, updated_at,"
                    " created_at) VALUES (999, 'new', '{}', '2026-01-01', '2026-01-01')"
                )
    finally:
        engine.dispose()


def test_the_alembic_command_line_uses_alembic_ini_and_the_url_option(
    empty_database_url: str,
) -> None:
    for args in (["upgrade", "head"], ["check"]):
        result = subprocess.run(
            [sys.executable, "-m", "alembic", "-x", f"url={empty_database_url}", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    engine = make_engine(empty_database_url)
    try:
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_sqlite_engine_is_tuned_and_creates_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nested" / "homeward.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 30000
        assert path.exists()
    finally:
        engine.dispose()


def test_sqlite_transactions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    engine = make_engine(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("SELECT 1")  # a read only, yet the writer lock is held
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after commit
        other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u@db.example/homeward", "postgresql+psycopg"),
        ("postgresql://u@db.example/homeward", "postgresql+psycopg"),
        ("postgresql+psycopg://u@db.example/homeward", "postgresql+psycopg"),
        ("sqlite:///var/homeward.db", "sqlite"),
    ],
)
def test_database_urls_are_normalized(given: str, driver: str) -> None:
    assert normalize_url(given).drivername == driver


def test_a_bad_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as raised:
        make_engine("not a url :secret")
    assert "secret" not in str(raised.value)
    with pytest.raises(ConfigError, match="HOMEWARD_DATABASE_URL"):
        make_engine("mysql://u:secret@db.example/homeward")


def test_missing_migrations_folder_is_a_clear_config_error(tmp_path: Path) -> None:
    assert migrations_dir() == REPO / "migrations"
    with pytest.raises(ConfigError, match="migrations not found"):
        migrations_dir(tmp_path)


def test_recreating_a_parent_table_on_sqlite_keeps_the_child_rows(tmp_path: Path) -> None:
    """Batch mode copies, drops and renames the table: with foreign keys on, the drop would
    cascade and silently delete every conversation."""
    engine = make_engine(f"sqlite:///{tmp_path / 'batch.db'}", TEST_KEYRING)
    try:
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            contact = get_or_create_contact_for_update(session, "sms", "+1", NOW)
            save_state(session, contact, State(node_id="q1"), NOW)

        with (
            engine.connect() as connection,
            sqlite_foreign_keys_off(connection),
            connection.begin(),
        ):
            operations = Operations(MigrationContext.configure(connection))
            with operations.batch_alter_table("contacts", recreate="always") as batch:
                batch.alter_column("locale", type_=sa.String(32), existing_nullable=True)
            verify_sqlite_foreign_keys(connection)

        with sessions.begin() as session:
            contact = get_or_create_contact_for_update(session, "sms", "+1", NOW)
            assert load_state(session, contact).node_id == "q1"
    finally:
        engine.dispose()


def test_a_migration_that_breaks_a_foreign_key_is_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        upgrade(engine)
        with (
            engine.connect() as connection,
            sqlite_foreign_keys_off(connection),
            connection.begin(),
        ):
            connection.exec_driver_sql(
                "INSERT INTO conversations (contact_id, status, state, updated_at,"
                " created_at) VALUES (999, 'new', '{}', '2026-01-01', '2026-01-01')"
            )
            with pytest.raises(StorageError, match="conversations"):
                verify_sqlite_foreign_keys(connection)
    finally:
        engine.dispose()


def test_rows_written_before_0002_survive_it(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url, TEST_KEYRING)
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO outbox (kind, dedupe_key, payload, status, attempts, "
                    "next_attempt_at, created_at) VALUES ('chat', 'k1', '{}', 'pending', 0, "
                    ":now, :now)"
                ),
                {"now": datetime(2026, 11, 23, tzinfo=UTC)},
            )
        upgrade(engine)
        with engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT dedupe_key, sequence_key, delivery_rank FROM outbox")
            ).one()
        assert tuple(row) == ("k1", None, 0)
        assert current_revision(engine) == HEAD != "0001"
    finally:
        engine.dispose()


PHONE = "+5215550001234"


def _raw_dump(connection: sa.Connection) -> str:
    """Every value of every Homeward table, as text, the way a stolen backup would read."""
    tables = [t for t in sa.inspect(connection).get_table_names() if t != "alembic_version"]
    return "\n".join(
        repr(tuple(row))
        for table in tables
        for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
    )


def test_rows_written_before_encryption_are_encrypted_by_0007_and_back(
    empty_database_url: str,
) -> None:
    engine = make_engine(empty_database_url, TEST_KEYRING)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    state = '{"node_id": "country", "answers": {"name": "Rosa Elena"}}'
    try:
        upgrade(engine, "0006")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO contacts (id, channel, address, opted_out, created_at) "
                    "VALUES (1, 'sms', :phone, false, :now)"
                ),
                {"phone": PHONE, "now": now},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO conversations (contact_id, status, state, updated_at, "
                    "created_at) VALUES (1, 'active', :state, :now, :now)"
                ),
                {"state": state, "now": now},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO inbound_messages (channel, provider_id, contact_id, "
                    "received_at) VALUES ('sms', 'SM0123456789abcdef', 1, :now)"
                ),
                {"now": now},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO outbox (kind, dedupe_key, payload, status, attempts, "
                    "next_attempt_at, created_at, contact_id) VALUES ('chat', 'k1', :payload, "
                    "'pending', 0, :now, :now, 1)"
                ),
                {"payload": f'{{"address": "{PHONE}", "text": "Rosa Elena"}}', "now": now},
            )
        keyless = make_engine(empty_database_url)
        try:
            with pytest.raises(StorageError, match="keyring"):
                upgrade(keyless)  # rows to encrypt, and no keys to do it
        finally:
            keyless.dispose()

        upgrade(engine)

        with engine.connect() as connection:
            raw = _raw_dump(connection)
        assert PHONE not in raw and "Rosa Elena" not in raw and "SM0123456789" not in raw
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            contact = get_or_create_contact_for_update(session, "sms", PHONE, now)
            assert contact.id == 1 and contact.address == PHONE
            assert load_state(session, contact).node_id == "country"
            assert session.scalars(select(OutboxMessage.payload)).one()["text"] == "Rosa Elena"
            assert not record_inbound(session, "sms", "SM0123456789abcdef", 1, now)

        downgrade(engine, "0006")
        with engine.connect() as connection:
            raw = _raw_dump(connection)
        assert PHONE in raw and "Rosa Elena" in raw
    finally:
        engine.dispose()
