"""security hardening (issue 16): nickname look-alike keys, visitor report confirmation

Revision ID: 9e5c2a61d0b7
Revises: 0f3b08bddd58
Create Date: 2026-11-29 11:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from community.accounts.validation import nickname_skeleton

revision: str = "9e5c2a61d0b7"
down_revision: str | None = "0f3b08bddd58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("nickname_skeleton", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.create_index("ix_users_nickname_skeleton", ["nickname_skeleton"], unique=False)
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("contact_confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    # Existing members get their key, so a newcomer cannot imitate them either.
    connection = op.get_bind()
    users = sa.table(
        "users", sa.column("id"), sa.column("nickname"), sa.column("nickname_skeleton")
    )
    rows = connection.execute(sa.select(users.c.id, users.c.nickname)).all()
    if rows:
        connection.execute(
            users.update()
            .where(users.c.id == sa.bindparam("uid"))
            .values(nickname_skeleton=sa.bindparam("key")),
            [{"uid": uid, "key": nickname_skeleton(nickname)} for uid, nickname in rows],
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("contact_confirmed_at")
        batch_op.drop_column("contact_token_hash")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_nickname_skeleton")
        batch_op.drop_column("nickname_skeleton")
