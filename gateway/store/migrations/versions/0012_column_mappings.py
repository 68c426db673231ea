"""Named CSV column mappings, saved in the admin UI's import wizard for reuse.

Revision ID: column_mappings
Revises: oauth_clients
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "column_mappings"
down_revision = "oauth_clients"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "column_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("usernames", sa.String(length=20), nullable=True),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column(
            "saved_at",
            sa.DateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_column_mappings")),
        sa.UniqueConstraint("name", name=op.f("uq_column_mappings_name")),
    )


def downgrade() -> None:
    op.drop_table("column_mappings")
