"""pull sources: how a source is pulled, and what its last applied pull left

Revision ID: pulls
Revises: users
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "pulls"
down_revision = "users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("pull", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("pull_state", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("pull_state")
        batch.drop_column("pull")
