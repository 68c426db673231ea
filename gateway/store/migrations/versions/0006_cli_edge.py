"""run owners and heartbeats; profiles a feed may not assign

Revision ID: cli_edge
Revises: pending_persons
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cli_edge"
down_revision = "pending_persons"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_runs") as batch:
        batch.add_column(sa.Column("owner_host", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("owner_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(
            sa.Column("feed_assignable", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("feed_assignable")
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("owner_pid")
        batch.drop_column("owner_host")
