"""memberships keep the feed's own key (a OneRoster enrollment's sourcedId)

Revision ID: membership_sync_key
Revises: cli_edge
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "membership_sync_key"
down_revision = "cli_edge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_key", sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f("ix_memberships_sync_key"), ["sync_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_sync_key"))
        batch_op.drop_column("sync_key")
