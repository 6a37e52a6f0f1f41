"""Disabled endpoints: partner webhooks that answered 410 Gone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the disabled_endpoints table."""
    op.create_table(
        "disabled_endpoints",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_disabled_endpoints")),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("disabled_endpoints")
