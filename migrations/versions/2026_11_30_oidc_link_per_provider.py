"""sign-in with OpenID providers: one identity per provider and account, in the schema

The service refused a second identity of the same provider already; two confirmations at
the same moment could still both pass that check. Where that happened, the identity
linked first stays (the later ones sign in as before their link: the member is offered
to link again).

Revision ID: 8e4d2a6c1f35
Revises: 3c1f0b7d9a42
Create Date: 2026-11-30 20:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8e4d2a6c1f35"
down_revision: str | None = "3c1f0b7d9a42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM oidc_links WHERE id NOT IN "
        "(SELECT MIN(id) FROM oidc_links GROUP BY provider, user_id)"
    )
    with op.batch_alter_table("oidc_links", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_oidc_links_user", ["provider", "user_id"])


def downgrade() -> None:
    with op.batch_alter_table("oidc_links", schema=None) as batch_op:
        batch_op.drop_constraint("uq_oidc_links_user", type_="unique")
