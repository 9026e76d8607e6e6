"""Pages: download one's data and erase one's account (settings), and the admins'
erase button on a member's profile. Thin: the rules are in community/privacy/service.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from community.accounts.viewer import ANONYMOUS
from community.api.deps import SessionDep
from community.auth import check_csrf, clear_session_cookie
from community.errors import CommunityError
from community.i18n import N_
from community.privacy import service as privacy
from community.privacy.download import export_response
from community.text import CleanStr
from community.web.pages import render
from community.web.routes import CsrfField, WebViewer, _settings_page

privacy_web_router = APIRouter(include_in_schema=False)


@privacy_web_router.get("/settings/export", response_model=None)
def export_download(session: SessionDep, viewer: WebViewer) -> Response:
    if viewer.user is None:
        return RedirectResponse("/login?next=/settings", status_code=303)
    return export_response(session, viewer)


@privacy_web_router.post("/settings/erase", response_model=None)
def erase_own(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    password: Annotated[CleanStr, Form(max_length=1000)] = "",
    confirm: Annotated[bool, Form()] = False,
    remove_posts: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(request, csrf_token)
    if viewer.user is None:
        return RedirectResponse("/login?next=/settings", status_code=303)
    try:
        privacy.erase_own_account(
            session, viewer, password=password, confirm=confirm, remove_posts=remove_posts
        )
    except CommunityError as exc:
        if exc.status_code not in (403, 422):
            raise
        return _settings_page(request, viewer.user, 422, erase_error=exc.message)
    request.state.viewer = ANONYMOUS  # the page after it shows no one signed in
    response = render(
        request,
        "message.html",
        {
            "title": N_("Konto gelöscht"),
            "message": N_(
                "Ihr Konto wurde gelöscht. Ihre Daten sind entfernt; was von Ihren "
                "Beiträgen bleibt, steht unter einem Pseudonym."
            ),
        },
    )
    clear_session_cookie(response)
    return response


@privacy_web_router.post("/admin/users/{nickname}/erase", response_model=None)
def erase_member(
    nickname: str,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    confirm_nickname: Annotated[CleanStr, Form(max_length=100)] = "",
    remove_posts: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(request, csrf_token)
    try:
        privacy.erase_by_admin(
            session,
            viewer,
            nickname,
            confirm_nickname=confirm_nickname,
            remove_posts=remove_posts,
        )
    except CommunityError as exc:
        if exc.status_code not in (409, 422):
            raise
        return render(
            request,
            "message.html",
            {"title": N_("Konto nicht gelöscht"), "message": exc.message},
            status_code=exc.status_code,
        )
    return render(
        request,
        "message.html",
        {
            "title": N_("Konto gelöscht"),
            "message": N_(
                "Das Konto wurde gelöscht; was von den Beiträgen bleibt, steht unter "
                "einem Pseudonym."
            ),
        },
    )
