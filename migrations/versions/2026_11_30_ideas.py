"""ideas (issue 17): ideas boards, an idea's status and the members' votes

Revision ID: 7fc2a2db650b
Revises: 9e085c6d47e7
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "7fc2a2db650b"
down_revision: str | None = "9e085c6d47e7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kinds(table: str, column: str, kinds: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
        batch_op.create_check_constraint(column, f"{column} IN ({kinds})")


def upgrade() -> None:
    _kinds("categories", "default_kind", "'question', 'discussion', 'idea'")
    _kinds("threads", "kind", "'question', 'discussion', 'idea'")
    op.create_table(
        "ideas",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="new", nullable=False),
        sa.Column("status_note", sa.Text(), nullable=False),
        sa.Column("status_changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("status_by_id", sa.Integer(), nullable=True),
        sa.Column("first_status_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("vote_count", sa.Integer(), nullable=False),
        sa.Column("staff_vote_count", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('new', 'review', 'planned', 'done', 'declined')", name="status"
        ),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["merged_into_id"], ["threads.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["status_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["thread_id"], ["threads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("thread_id"),
    )
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_category_id"), ["category_id"], unique=False)
        batch_op.create_index(
            "ix_ideas_category_votes", ["category_id", "vote_count", "thread_id"], unique=False
        )
    op.create_table(
        "idea_votes",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("is_staff", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["ideas.thread_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("thread_id", "user_id"),
    )
    with op.batch_alter_table("idea_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_votes_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("idea_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_votes_user_id"))
    op.drop_table("idea_votes")
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_index("ix_ideas_category_votes")
        batch_op.drop_index(batch_op.f("ix_ideas_category_id"))
    op.drop_table("ideas")
    op.execute("UPDATE threads SET kind = 'discussion' WHERE kind = 'idea'")
    op.execute("UPDATE categories SET default_kind = 'discussion' WHERE default_kind = 'idea'")
    _kinds("threads", "kind", "'question', 'discussion'")
    _kinds("categories", "default_kind", "'question', 'discussion'")
