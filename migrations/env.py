"""Alembic environment: runs Homeward's migrations on SQLite (batch mode) or PostgreSQL."""

from __future__ import annotations

import os
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, MetaData

from bot.storage.database import make_engine, sqlite_foreign_keys_off, verify_sqlite_foreign_keys
from bot.storage.models import Base, Encrypted, EncryptedJSON, Fingerprint, UTCDateTime

DEFAULT_URL = "sqlite:///var/homeward.db"

config = context.config
target_metadata: MetaData = Base.metadata

if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    """`-x url=...` on the command line, else HOMEWARD_DATABASE_URL, else the embedded SQLite."""
    return context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "HOMEWARD_DATABASE_URL", DEFAULT_URL
    )


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes plain SQLAlchemy types, so migrations never import `bot`."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(obj, Encrypted | EncryptedJSON):
        return "sa.Text()"
    if kind == "type" and isinstance(obj, Fingerprint):
        return "sa.String(length=64)"
    return False


def run_on(connection: Connection) -> None:
    """Run the migrations on `connection` in one transaction."""
    with sqlite_foreign_keys_off(connection):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            render_item=render_item,
            # The engine emits its own BEGIN on SQLite, which makes DDL transactional there
            # too: all revisions and the foreign key check commit or roll back together.
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            verify_sqlite_foreign_keys(connection)


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (`alembic upgrade head --sql`)."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Use the connection the caller shared (cfg.attributes["connection"]) or open one."""
    shared = config.attributes.get("connection")
    if shared is not None:
        run_on(shared)
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
