"""performance (issue 21): the post count beside posts read from an index

Revision ID: 9e085c6d47e7
Revises: 6e3daf333049
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9e085c6d47e7"
down_revision: str | None = "6e3daf333049"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_posts_author_live",
        "posts",
        ["author_id", "is_deleted", "is_pending", "thread_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_posts_author_live", table_name="posts")
