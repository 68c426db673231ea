"""the run queue: a run's origin, its spooled input and options, and its progress

Revision ID: queue
Revises: sources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "queue"
down_revision = "sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_runs") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(length=20), server_default="cli", nullable=False)
        )
        batch.add_column(sa.Column("spool_path", sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column("options", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("queued_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("phase", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("records_read", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("records_total", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_import_runs_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_index(batch.f("ix_import_runs_state"))
        for column in (
            "records_total",
            "records_read",
            "phase",
            "queued_at",
            "options",
            "spool_path",
            "origin",
        ):
            batch.drop_column(column)
