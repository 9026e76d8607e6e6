"""OpenID back-channel logout by `sid`: the provider's session ids of forum sessions, and
the logout tokens already used (replay)

Revision ID: 0288742e338d
Revises: 7b2e91c4d5a8
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0288742e338d"
down_revision: str | None = "7b2e91c4d5a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oidc_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("sid", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["user_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("oidc_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_oidc_sessions_provider_sid", ["provider", "sid"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_oidc_sessions_session_id"), ["session_id"], unique=False
        )
    op.create_table(
        "oidc_logout_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("jti", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "jti", name="uq_oidc_logout_tokens_jti"),
    )
    with op.batch_alter_table("oidc_logout_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oidc_logout_tokens_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("oidc_logout_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_logout_tokens_expires_at"))
    op.drop_table("oidc_logout_tokens")
    with op.batch_alter_table("oidc_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_sessions_session_id"))
        batch_op.drop_index("ix_oidc_sessions_provider_sid")
    op.drop_table("oidc_sessions")
