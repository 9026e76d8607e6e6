"""/api/v1/me/export, /api/v1/me/erase and /api/v1/admin/users/{nickname}/erase: the
member's personal data (GDPR Art. 15, 17, 20)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from community.auth import clear_session_cookie
from community.deps import SessionDep, ViewerDep
from community.privacy import service as privacy
from community.privacy.download import export_response
from community.privacy.schemas import AccountErase, AdminErase, ErasurePublic

router = APIRouter(tags=["privacy"])


def _public(erasure: privacy.Erasure) -> ErasurePublic:
    return ErasurePublic(
        pseudonym=erasure.old.pseudonym,
        posts_removed=erasure.removed_posts,
        threads_kept=erasure.kept_posts,
    )


@router.get(
    "/me/export",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "a JSON file (Content-Disposition: attachment), one key per section",
        }
    },
)
def export_me(session: SessionDep, viewer: ViewerDep) -> Response:
    """Everything the forum holds about the signed-in member, as a file to download."""
    return export_response(session, viewer)


@router.post("/me/erase")
def erase_me(
    data: AccountErase, response: Response, session: SessionDep, viewer: ViewerDep
) -> ErasurePublic:
    """Erase the signed-in member's account. Cannot be undone; the session ends."""
    erasure = privacy.erase_own_account(
        session,
        viewer,
        password=data.password,
        confirm=data.confirm,
        remove_posts=data.remove_posts,
    )
    clear_session_cookie(response)
    return _public(erasure)


@router.post("/admin/users/{nickname}/erase")
def erase_user(
    nickname: str, data: AdminErase, session: SessionDep, viewer: ViewerDep
) -> ErasurePublic:
    """Admins only: erase a member's account (e.g. on a request by letter)."""
    erasure = privacy.erase_by_admin(
        session,
        viewer,
        nickname,
        confirm_nickname=data.confirm_nickname,
        remove_posts=data.remove_posts,
    )
    return _public(erasure)
