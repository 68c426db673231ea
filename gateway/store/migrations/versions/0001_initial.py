"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 05:36:32.738978
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meta")),
    )
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("security_level", sa.Integer(), nullable=False),
        sa.Column("hierarchy_role", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
        sa.UniqueConstraint("name", name=op.f("uq_profiles_name")),
        sa.UniqueConstraint("security_level", name=op.f("uq_profiles_security_level")),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_sources_name")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("sync_key", sa.String(length=255), nullable=True),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("username_key", sa.String(length=255), nullable=False),
        sa.Column("given_name", sa.String(length=255), nullable=False),
        sa.Column("family_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expired_at", sa.DateTime(), nullable=True),
        sa.Column("local_fields", sa.String(length=200), nullable=False),
        sa.Column("created_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["profiles.id"], name=op.f("fk_accounts_profile_id_profiles")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_accounts_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("source_id", "sync_key", name=op.f("uq_accounts_source_id_sync_key")),
        sa.UniqueConstraint("username_key", name=op.f("uq_accounts_username_key")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_created_run", ["created_run_id"], unique=False)

    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("file", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column(
            "started_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("held", sa.JSON(), nullable=True),
        sa.Column("new_nodes", sa.JSON(), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=True),
        sa.Column("plan", sa.LargeBinary(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("reverts_run_id", sa.Integer(), nullable=True),
        sa.Column("last_change_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reverts_run_id"],
            ["import_runs.id"],
            name=op.f("fk_import_runs_reverts_run_id_import_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_import_runs_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_table(
        "nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("sync_key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["nodes.id"], name=op.f("fk_nodes_parent_id_nodes")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_nodes_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nodes")),
        sa.UniqueConstraint("source_id", "sync_key", name=op.f("uq_nodes_source_id_sync_key")),
    )
    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nodes_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "role_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("role_key", sa.String(length=100), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_role_matches_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_matches")),
        sa.UniqueConstraint("source", "role_key", name=op.f("uq_role_matches_source_role_key")),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["import_runs.id"], name=op.f("fk_changes_run_id_import_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index("ix_changes_entity_row", ["entity", "row_id"], unique=False)

    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("sync_key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("subjects", sa.Text(), nullable=False),
        sa.Column("begin_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"], ["groups.id"], name=op.f("fk_groups_course_id_groups")
        ),
        sa.ForeignKeyConstraint(["node_id"], ["nodes.id"], name=op.f("fk_groups_node_id_nodes")),
        sa.ForeignKeyConstraint(
            ["school_id"], ["nodes.id"], name=op.f("fk_groups_school_id_nodes")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_groups_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("source_id", "sync_key", name=op.f("uq_groups_source_id_sync_key")),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_groups_school_id"), ["school_id"], unique=False)

    op.create_table(
        "guardian_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["accounts.id"],
            name=op.f("fk_guardian_links_guardian_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_guardian_links_source_id_sources")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["accounts.id"],
            name=op.f("fk_guardian_links_student_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian_links")),
        sa.UniqueConstraint(
            "guardian_id", "student_id", name=op.f("uq_guardian_links_guardian_id_student_id")
        ),
    )
    with op.batch_alter_table("guardian_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guardian_links_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "placements",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_placements_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["node_id"], ["nodes.id"], name=op.f("fk_placements_node_id_nodes")
        ),
        sa.PrimaryKeyConstraint("account_id", "node_id", name=op.f("pk_placements")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placements_node_id"), ["node_id"], unique=False)

    op.create_table(
        "run_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("file", sa.String(length=255), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["import_runs.id"],
            name=op.f("fk_run_issues_run_id_import_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_issues")),
    )
    with op.batch_alter_table("run_issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_issues_run_id"), ["run_id"], unique=False)

    op.create_table(
        "school_settings",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("auto_sync", sa.Boolean(), nullable=False),
        sa.Column("sync_staff", sa.Boolean(), nullable=False),
        sa.Column("sync_students", sa.Boolean(), nullable=False),
        sa.Column("sync_guardians", sa.Boolean(), nullable=False),
        sa.Column("guardians_from", sa.Date(), nullable=True),
        sa.Column("sync_subjects", sa.Boolean(), nullable=False),
        sa.Column("sync_subject_members", sa.Boolean(), nullable=False),
        sa.Column("sync_classes", sa.Boolean(), nullable=False),
        sa.Column("sync_class_teachers", sa.Boolean(), nullable=False),
        sa.Column("force_email_students", sa.Boolean(), nullable=False),
        sa.Column("force_email_staff", sa.Boolean(), nullable=False),
        sa.Column("force_email_guardians", sa.Boolean(), nullable=False),
        sa.Column("allow_manual_members", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["nodes.id"],
            name=op.f("fk_school_settings_node_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_school_settings")),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("begin_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=True),
        sa.Column("created_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_memberships_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_memberships_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "account_id", "group_id", "role", name=op.f("uq_memberships_account_id_group_id_role")
        ),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_group_id"), ["group_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_group_id"))

    op.drop_table("memberships")
    op.drop_table("school_settings")
    with op.batch_alter_table("run_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_issues_run_id"))

    op.drop_table("run_issues")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placements_node_id"))

    op.drop_table("placements")
    with op.batch_alter_table("guardian_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardian_links_student_id"))

    op.drop_table("guardian_links")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groups_school_id"))

    op.drop_table("groups")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index("ix_changes_entity_row")

    op.drop_table("changes")
    op.drop_table("role_matches")
    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nodes_parent_id"))

    op.drop_table("nodes")
    op.drop_table("import_runs")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_created_run")

    op.drop_table("accounts")
    op.drop_table("sources")
    op.drop_table("profiles")
    op.drop_table("meta")
