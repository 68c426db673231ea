"""Scheduled pulls: a source's schedule, its date windows, and the firings claimed once.

Revision ID: scheduler
Revises: pulls
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "scheduler"
down_revision = "pulls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("schedule", sa.String(length=100), nullable=True))
    op.create_table(
        "source_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_source_windows_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_windows")),
    )
    op.create_index(op.f("ix_source_windows_source_id"), "source_windows", ["source_id"])
    op.create_table(
        "schedule_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=50), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("fired_at", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_schedule_firings_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_firings")),
        sa.UniqueConstraint(
            "source_id", "job", "due_at", name=op.f("uq_schedule_firings_source_id_job_due_at")
        ),
    )


def downgrade() -> None:
    op.drop_table("schedule_firings")
    op.drop_index(op.f("ix_source_windows_source_id"), table_name="source_windows")
    op.drop_table("source_windows")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("schedule")
