"""What the links to OpenID providers hold about a member, for the export and the erasure."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from community.accounts import oidc_service
from community.accounts.models import User
from community.privacy.erasure import Erasure, erasure_step
from community.privacy.sections import export_section


@export_section("sso_links")
def sso_links(session: Session, user: User) -> list[dict[str, Any]]:
    return [
        {
            "provider": link.provider,
            "subject": link.subject,
            "linked_at": link.created_at.isoformat(),
        }
        for link in oidc_service.links_of(session, user)
    ]


@erasure_step
def forget_sso_links(session: Session, erasure: Erasure) -> None:
    """An erased account can no longer be reached through a provider: its links go."""
    assert erasure.user.id is not None
    oidc_service.erase_links(session, erasure.user.id)
