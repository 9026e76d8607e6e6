"""Reputation: kudos, solutions, points and ranks.

Existing rows start at zero; run `community recompute-reputation` after upgrading.

Revision ID: 1a10eaf2b6aa
Revises: c735db6fe2b2
Create Date: 2026-11-27 13:24:30.929445
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "1a10eaf2b6aa"
down_revision: str | None = "c735db6fe2b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "rank_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("old_rank", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("new_rank", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("notified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rank_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rank_changes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "kudos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("giver_id", sa.Integer(), nullable=False),
        sa.Column("receiver_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("counts_for_points", sa.Boolean(), nullable=False),
        sa.Column("post_visible", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["giver_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["receiver_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["thread_id"], ["threads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "giver_id"),
    )
    with op.batch_alter_table("kudos", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kudos_category_created",
            ["category_id", "created_at", "receiver_id", "post_visible"],
            unique=False,
        )
        batch_op.create_index(
            "ix_kudos_giver_receiver_created",
            ["giver_id", "receiver_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_kudos_receiver_id"), ["receiver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kudos_thread_id"), ["thread_id"], unique=False)

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kudos_count", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kudos_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("solution_post_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("solution_author_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("solved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_threads_solved_at"), ["solved_at"], unique=False)
        batch_op.create_foreign_key(
            "fk_threads_solution_author_id_users",
            "users",
            ["solution_author_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column(
                "rank",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
                server_default="newcomer",
            )
        )
        batch_op.add_column(
            sa.Column("solution_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("kudos_received", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("kudos_given", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("reply_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("thread_count", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("thread_count")
        batch_op.drop_column("reply_count")
        batch_op.drop_column("kudos_given")
        batch_op.drop_column("kudos_received")
        batch_op.drop_column("solution_count")
        batch_op.drop_column("rank")
        batch_op.drop_column("points")

    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_constraint("fk_threads_solution_author_id_users", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_threads_solved_at"))
        batch_op.drop_column("solved_at")
        batch_op.drop_column("solution_author_id")
        batch_op.drop_column("solution_post_id")
        batch_op.drop_column("kudos_count")

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("kudos_count")

    with op.batch_alter_table("kudos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kudos_thread_id"))
        batch_op.drop_index(batch_op.f("ix_kudos_receiver_id"))
        batch_op.drop_index("ix_kudos_giver_receiver_created")
        batch_op.drop_index("ix_kudos_category_created")

    op.drop_table("kudos")
    with op.batch_alter_table("rank_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rank_changes_user_id"))

    op.drop_table("rank_changes")
    op.drop_table("site_settings")
