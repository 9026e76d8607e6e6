"""privacy: erased accounts (users.erased_at) and room for their pseudonym

Revision ID: 5b2e9d71c4a8
Revises: 17035d02e923
Create Date: 2026-11-27 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5b2e9d71c4a8"
down_revision: str | None = "17035d02e923"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("erased_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    # "Gelöschtes Mitglied 1234" is longer than the 20 characters members may choose.
    # Only PostgreSQL enforces the length; on SQLite a wider type would mean recreating
    # the users table, whose DROP cascades to every row that references it.
    if op.get_bind().dialect.name == "postgresql":
        for column in ("nickname", "nickname_key"):
            op.alter_column(
                "users",
                column,
                type_=sa.String(length=40),
                existing_type=sa.String(length=20),
                existing_nullable=False,
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in ("nickname", "nickname_key"):
            op.alter_column(
                "users",
                column,
                type_=sa.String(length=20),
                existing_type=sa.String(length=40),
                existing_nullable=False,
            )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
