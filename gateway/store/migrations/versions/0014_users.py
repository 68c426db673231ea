"""users and access: birthdays, admin-set expiry, password hashes and rules, the mail outbox

Revision ID: users
Revises: profile_settings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "users"
down_revision = "profile_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("birthday", sa.Date(), nullable=True))
        batch.add_column(sa.Column("expires_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("password_change", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("password_never_expires", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("password_set_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(
            sa.Column(
                "password_change",
                sa.String(length=20),
                server_default="must_change",
                nullable=False,
            )
        )
        batch.add_column(
            sa.Column(
                "password_never_expires", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("state", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_outbox_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_account_id"), "outbox", ["account_id"])
    op.create_index(op.f("ix_outbox_state"), "outbox", ["state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_state"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_account_id"), table_name="outbox")
    op.drop_table("outbox")
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("password_never_expires")
        batch.drop_column("password_change")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("password_set_at")
        batch.drop_column("password_never_expires")
        batch.drop_column("password_change")
        batch.drop_column("password_hash")
        batch.drop_column("expires_on")
        batch.drop_column("birthday")
