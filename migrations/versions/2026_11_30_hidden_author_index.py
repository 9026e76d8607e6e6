"""performance (issue 21): a member's hidden threads from an index of their own

Revision ID: 3c1f0b7d9a42
Revises: b2ddfb38e355
Create Date: 2026-11-30 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c1f0b7d9a42"
down_revision: str | None = "b2ddfb38e355"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_threads_hidden_author",
        "threads",
        ["author_id"],
        unique=False,
        postgresql_where=sa.text("is_hidden = true AND is_deleted = false"),
        sqlite_where=sa.text("is_hidden = 1 AND is_deleted = 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_threads_hidden_author", table_name="threads")
