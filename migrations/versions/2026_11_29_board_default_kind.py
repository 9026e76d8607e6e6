"""staff console (issue 14): a board's default kind of new threads

Revision ID: 3c7d1e9a2b40
Revises: 9e5c2a61d0b7
Create Date: 2026-11-29 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c7d1e9a2b40"
down_revision: str | None = "9e5c2a61d0b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "default_kind", sa.String(length=16), server_default="question", nullable=False
            )
        )
        batch_op.create_check_constraint(
            "default_kind", "default_kind IN ('question', 'discussion')"
        )


def downgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_categories_default_kind"), type_="check")
        batch_op.drop_column("default_kind")
