"""pending persons: persons a source sent before any role or membership for them

Revision ID: pending_persons
Revises: username_fold
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "pending_persons"
down_revision = "username_fold"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("sync_key", sa.String(length=255), nullable=False),
        sa.Column("given_name", sa.String(length=255), nullable=False),
        sa.Column("family_name", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("orgs", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_pending_persons_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_persons")),
        sa.UniqueConstraint(
            "source_id", "sync_key", name=op.f("uq_pending_persons_source_id_sync_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("pending_persons")
