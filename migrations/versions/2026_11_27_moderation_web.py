"""moderation: edit notes, duplicates, pre-moderation, restored solutions

Revision ID: 5b1c0e7d9a42
Revises: fd301c7ec376
Create Date: 2026-11-27 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5b1c0e7d9a42"
down_revision: str | None = "fd301c7ec376"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("premoderated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("duplicate_of_thread_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("removed_solution_post_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "moderation_note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("moderation_note")
        batch_op.drop_column("is_pending")
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_column("removed_solution_post_id")
        batch_op.drop_column("duplicate_of_thread_id")
        batch_op.drop_column("is_pending")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("premoderated")
