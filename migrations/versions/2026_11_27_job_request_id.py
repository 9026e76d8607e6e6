"""job_request_id: the X-Request-ID of the request that enqueued a job

Revision ID: 6e0d0c350d5b
Revises: adacefd388a9
Create Date: 2026-11-27 14:50:45.965284
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6e0d0c350d5b"
down_revision: str | None = "adacefd388a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("request_id")
