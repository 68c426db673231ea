"""Each profile's values of the settings catalogue (mapping/profile_catalogue.csv).

Revision ID: profile_settings
Revises: column_mappings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "profile_settings"
down_revision = "column_mappings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profile_values",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_profile_values_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", "key", name=op.f("pk_profile_values")),
    )


def downgrade() -> None:
    op.drop_table("profile_values")
