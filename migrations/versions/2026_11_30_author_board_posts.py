"""performance (issue 21): kept post counts per member and board

The count beside every post was counted from the posts on each thread page view; it is
now kept per member and board, filled here from the posts.

Revision ID: b2ddfb38e355
Revises: aba5857e5858
Create Date: 2026-11-30 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2ddfb38e355"
down_revision: str | None = "aba5857e5858"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "author_board_posts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("live_posts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "category_id"),
    )
    with op.batch_alter_table("author_board_posts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_author_board_posts_category_id"), ["category_id"], unique=False
        )
    # The same rule as forum/counters.py's rebuild_post_counts, in SQL both databases read.
    op.execute(
        "INSERT INTO author_board_posts (user_id, category_id, posts, live_posts) "
        "SELECT p.author_id, t.category_id, COUNT(*), "
        "SUM(CASE WHEN t.is_deleted OR t.is_hidden THEN 0 ELSE 1 END) "
        "FROM posts p JOIN threads t ON t.id = p.thread_id "
        "WHERE NOT p.is_deleted AND NOT p.is_pending "
        "GROUP BY p.author_id, t.category_id"
    )


def downgrade() -> None:
    with op.batch_alter_table("author_board_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_author_board_posts_category_id"))
    op.drop_table("author_board_posts")
