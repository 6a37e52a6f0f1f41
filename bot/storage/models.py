"""SQLAlchemy 2 models: contacts, conversations, the inbound dedup log, outbox, referrals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.storage.crypto import FINGERPRINT_LENGTH, keyring_of

# Named constraints before the first migration: batch mode on SQLite cannot drop unnamed ones.
# Unique constraints name every column (`column_0_N_name`) so two of them on one table that
# start with the same column cannot collide.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OUTBOX_STATUSES = ("pending", "in_flight", "sent", "failed", "dead")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite has no time zones and returns naive values; PostgreSQL returns the session zone.
    Naive datetimes are refused on the way in: they are almost always a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Encrypted(TypeDecorator[str]):
    """Text stored as a Fernet token under the deployment's keys (personal data)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).encrypt(value.encode("utf-8", "surrogatepass"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).decrypt(value).decode("utf-8", "surrogatepass")


class EncryptedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON object stored as a Fernet token (answers, states, documents, payloads)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        # No ASCII escaping: the token's size is what is stored, and JSON text is UTF-8 here.
        encoded = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return keyring_of(dialect).encrypt(encoded.encode("utf-8", "surrogatepass"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        decoded = json.loads(keyring_of(dialect).decrypt(value).decode("utf-8", "surrogatepass"))
        if not isinstance(decoded, dict):
            raise ValueError("an encrypted JSON column holds something other than an object")
        return decoded


class Fingerprint(TypeDecorator[str]):
    """A value that is only ever looked up, stored as its keyed hash (HMAC-SHA256, hex).

    Comparisons hash the other side too: `where(Contact.address_key == "+52...")` finds the
    row without the number being stored. Reading the column gives the hash, never the value.
    """

    impl = String(FINGERPRINT_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).fingerprint(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return value


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Contact(Base):
    """One person on one channel.

    `address` is the channel's id for them (a phone number, a chat id), encrypted; it is found
    by `address_key`, its fingerprint.
    """

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "address_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    address_key: Mapped[str] = mapped_column(Fingerprint())
    address: Mapped[str] = mapped_column(Encrypted())
    locale: Mapped[str | None] = mapped_column(String(16))
    opted_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        # Never the address: reprs end up in logs and tracebacks.
        return f"Contact(id={self.id}, channel={self.channel!r})"


class Conversation(Base):
    """The one conversation of a contact: `state` is `bot.core.state.State.to_dict()`."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), unique=True
    )
    flow_id: Mapped[str | None] = mapped_column(String(100))
    node_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"Conversation(id={self.id}, contact_id={self.contact_id})"


class InboundMessage(Base):
    """A received message's provider id, for dedup of redelivered webhooks. Never its text.

    The id is kept as a fingerprint: it is only ever compared, and with the provider's id a
    message could be looked up at the provider.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    provider_id: Mapped[str] = mapped_column(Fingerprint())
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """Something to send after the transaction that decided it commits (transactional outbox).

    status: pending (never tried), in_flight (claimed until `lease_until`), failed (last try
    failed, next at `next_attempt_at`), sent, dead (gave up). `last_error` is a code, never text.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in OUTBOX_STATUSES)),
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    status: Mapped[str] = mapped_column(
        String(16), index=True, default="pending", server_default=text("'pending'")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    # Rows that share a sequence key are sent strictly one after the other, in id order (the
    # parts of a chat reply): a later row waits while an earlier one is unsent.
    sequence_key: Mapped[str | None] = mapped_column(String(100), index=True)
    # What the provider says happened after it accepted the message (Twilio status callbacks).
    provider_id: Mapped[str | None] = mapped_column(Fingerprint(), unique=True)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    delivery_rank: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    delivery_error: Mapped[str | None] = mapped_column(String(32))

    def __repr__(self) -> str:
        return f"OutboxMessage(id={self.id}, kind={self.kind!r}, status={self.status!r})"


class Referral(Base):
    """A case sent (or being sent) to a partner; `document` is the referral JSON it received.

    `status`: sending (in the outbox), delivered (a partner endpoint took it), failed (every
    attempt and every fallback failed), declined (the last partner able to take it said no).
    The partner portal adds accepted and closed.
    """

    __tablename__ = "referrals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(default=False, server_default=false())
    # None once the person deleted their data: the row keeps only what the figures need.
    document: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON())
    # What matching read (the case: tags, language, states, country) and the partners tried
    # since, so that a partner who cannot take it is replaced by the next-best one.
    routing: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"Referral(id={self.id!r}, partner_id={self.partner_id!r}, status={self.status!r})"


class DisabledEndpoint(Base):
    """A partner's webhook that answered 410 Gone: nothing is sent to it until re-enabled."""

    __tablename__ = "disabled_endpoints"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    disabled_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkerHeartbeat(Base):
    """A delivery worker that is alive says so here every loop; `/healthz` reads the newest.

    `worker_id` is `host:pid:random`, no personal data. A worker's row goes when it stops
    cleanly; a row whose `beat_at` is old belongs to a worker that died.
    """

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
