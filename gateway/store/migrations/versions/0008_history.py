"""removed memberships, guardian links and placements stay as rows, marked removed

Revision ID: history
Revises: membership_sync_key
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "history"
down_revision = "membership_sync_key"
branch_labels = None
depends_on = None

TABLES = ("memberships", "guardian_links", "placements")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("status", sa.String(length=20), server_default="active", nullable=False)
            )
            batch.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
            batch.add_column(sa.Column("removed_run_id", sa.Integer(), nullable=True))
    removed = sa.text("status = 'removed'")
    op.create_index(
        "ix_memberships_removed",
        "memberships",
        ["group_id"],
        sqlite_where=removed,
        postgresql_where=removed,
    )


def downgrade() -> None:
    op.drop_index("ix_memberships_removed", table_name="memberships")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("removed_run_id")
            batch.drop_column("removed_at")
            batch.drop_column("status")
