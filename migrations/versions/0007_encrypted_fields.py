"""Encryption at rest: personal columns become Fernet tokens, lookups keyed fingerprints.

- contacts.address is encrypted; contacts.address_key (its fingerprint) is what is looked up
  and unique per channel;
- conversations.state, outbox.payload, referrals.document and referrals.routing are JSON
  encrypted as text;
- inbound_messages.provider_id and outbox.provider_id are fingerprints;
- referrals.deleted_at marks a referral whose person deleted their data.

Rows written before are converted in place with the deployment's keys, which the caller gives
the connection (`homeward db upgrade` does; an empty database needs none). This is the one
migration that imports from `bot`: the keyring is what makes the values readable.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from bot.storage.crypto import Keyring, keyring_of

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, nullable before) holding JSON that becomes an encrypted token.
_JSON_COLUMNS = (
    ("conversations", "state", False),
    ("outbox", "payload", False),
    ("referrals", "document", False),
    ("referrals", "routing", True),
)


def _keyring() -> Keyring:
    return keyring_of(op.get_bind().dialect)


def _convert(table: str, key: str, columns: Sequence[str], change: Callable[..., tuple]) -> None:
    """Rewrite `columns` of every row of `table` with `change(*values)`, by primary key."""
    bind = op.get_bind()
    select = sa.text(f"SELECT {key}, {', '.join(columns)} FROM {table}")
    rows = bind.execute(select).fetchall()
    if not rows:
        return
    assignments = ", ".join(f"{column} = :{column}" for column in columns)
    update = sa.text(f"UPDATE {table} SET {assignments} WHERE {key} = :key")
    for row in rows:
        values = change(*row[1:])
        bind.execute(update, {"key": row[0], **dict(zip(columns, values, strict=True))})


def _encrypt_json(keyring: Keyring) -> Callable[..., tuple]:
    def change(value: object) -> tuple:
        if value is None:
            return (None,)
        text = value if isinstance(value, str) else json.dumps(value)
        return (keyring.encrypt(text.encode("utf-8")),)

    return change


def _decrypt_json(keyring: Keyring) -> Callable[..., tuple]:
    def change(value: str | None) -> tuple:
        return (None if value is None else keyring.decrypt(value).decode("utf-8"),)

    return change


def _has_rows(*tables: str) -> bool:
    bind = op.get_bind()
    return any(
        bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
        for table in tables
    )


def upgrade() -> None:
    """Encrypt and fingerprint the personal columns."""
    postgres = op.get_bind().dialect.name == "postgresql"
    keyring = None
    if _has_rows("contacts", "conversations", "inbound_messages", "outbox", "referrals"):
        keyring = _keyring()

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address_key", sa.String(length=64), nullable=True))
        batch_op.alter_column("address", type_=sa.Text(), existing_type=sa.String(length=255))
    if keyring is not None:
        _convert(
            "contacts",
            "id",
            ("address_key", "address"),
            lambda _key, address: (
                keyring.fingerprint(address),
                keyring.encrypt(address.encode("utf-8")),
            ),
        )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.alter_column("address_key", nullable=False, existing_type=sa.String(length=64))
        batch_op.drop_constraint("uq_contacts_channel_address", type_="unique")
        batch_op.create_unique_constraint(
            "uq_contacts_channel_address_key", ["channel", "address_key"]
        )

    for table, column, nullable in _JSON_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                type_=sa.Text(),
                existing_type=sa.JSON(),
                nullable=True if column == "document" else nullable,
                postgresql_using=f"{column}::text" if postgres else None,
            )
        if keyring is not None:
            _convert(table, "id", (column,), _encrypt_json(keyring))

    if keyring is not None:
        fingerprint = keyring.fingerprint
        _convert("inbound_messages", "id", ("provider_id",), lambda v: (fingerprint(v),))
        _convert(
            "outbox",
            "id",
            ("provider_id",),
            lambda v: (None if v is None else fingerprint(v),),
        )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.alter_column(
            "provider_id", type_=sa.String(length=64), existing_type=sa.String(length=128)
        )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Back to clear columns (the provider ids cannot come back: they are forgotten)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    keyring = None
    if _has_rows("contacts", "conversations", "outbox", "referrals"):
        keyring = _keyring()
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
    # Deleted referrals have no document; the older schema requires one.
    op.execute("UPDATE referrals SET document = '{}' WHERE document IS NULL")
    for table, column, nullable in _JSON_COLUMNS:
        if keyring is not None:
            _convert(table, "id", (column,), _decrypt_json(keyring))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                type_=sa.JSON(),
                existing_type=sa.Text(),
                nullable=nullable,
                postgresql_using=f"{column}::json" if postgres else None,
            )
    if keyring is not None:
        _convert(
            "contacts",
            "id",
            ("address",),
            lambda address: (keyring.decrypt(address).decode("utf-8"),),
        )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_contacts_channel_address_key", type_="unique")
        batch_op.create_unique_constraint("uq_contacts_channel_address", ["channel", "address"])
        batch_op.alter_column("address", type_=sa.String(length=255), existing_type=sa.Text())
        batch_op.drop_column("address_key")
