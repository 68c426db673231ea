"""sources as first-class data: format, schools, settings, when changed, when retired

Revision ID: sources
Revises: history
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sources"
down_revision = "history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("format", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("schools", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("settings", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))
    # A source made by an import before now takes the format of its latest run.
    op.execute(
        "UPDATE sources SET format = (SELECT r.format FROM import_runs r "
        "WHERE r.source_id = sources.id ORDER BY r.id DESC LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("retired_at")
        batch.drop_column("updated_at")
        batch.drop_column("settings")
        batch.drop_column("schools")
        batch.drop_column("format")
