"""Outbox: per-contact sequences for chat parts, and the provider's delivery status.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the sequence key and the delivery columns to the outbox."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("provider_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("delivery_status", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("delivery_rank", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("delivery_error", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_sequence_key"), ["sequence_key"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_provider_id"), ["provider_id"])


def downgrade() -> None:
    """Remove them again."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_outbox_provider_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_outbox_sequence_key"))
        batch_op.drop_column("delivery_error")
        batch_op.drop_column("delivery_rank")
        batch_op.drop_column("delivery_status")
        batch_op.drop_column("provider_id")
        batch_op.drop_column("sequence_key")
