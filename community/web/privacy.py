"""Pages: download one's data and erase one's account (settings), and the admins'
erase button on a member's profile. Thin: the rules are in community/privacy/service.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from community import i18n
from community.accounts import oidc_service
from community.accounts import service as accounts
from community.accounts.viewer import ANONYMOUS
from community.auth import check_csrf, clear_session_cookie
from community.deps import SessionDep
from community.errors import CommunityError
from community.i18n import N_
from community.privacy import service as privacy
from community.privacy.download import export_response
from community.privacy.schemas import AccountErase, AdminErase
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, login_first
from community.web.forms import form_error, parse_form
from community.web.pages import render
from community.web.settings import proof_holds, settings_context

privacy_web_router = APIRouter(include_in_schema=False)


@privacy_web_router.get("/settings/export", response_model=None)
def export_download(session: SessionDep, viewer: WebViewer) -> Response:
    if viewer.user is None:
        return login_first("/settings")
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
    user = viewer.user
    if user is None:
        return login_first("/settings")
    locale = i18n.locale_of(user)  # the page after it is in the language of the form
    try:
        fields = {"password": password, "confirm": confirm, "remove_posts": remove_posts}
        data = parse_form(AccountErase, fields)
        privacy.erase_own_account(
            session,
            viewer,
            password=data.password,
            confirm=data.confirm,
            remove_posts=data.remove_posts,
            proven=proof_holds(request, user),
        )
    except CommunityError as exc:
        return form_error(
            request,
            session,
            "settings.html",
            # The boxes as they were ticked: a second try must not quietly keep the posts
            lambda: {**settings_context(user, request), "erase_form": fields},
            exc,
            key="erase_error",
        )
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
        locale=locale,
    )
    clear_session_cookie(response)
    response.delete_cookie(oidc_service.PROOF_COOKIE, path="/")
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
    fields = {"confirm_nickname": confirm_nickname, "remove_posts": remove_posts}
    try:
        data = parse_form(AdminErase, fields)
        privacy.erase_by_admin(
            session,
            viewer,
            nickname,
            confirm_nickname=data.confirm_nickname,
            remove_posts=data.remove_posts,
        )
    except CommunityError as exc:

        def record() -> dict[str, object]:
            # The member's record, with the form open and what was typed in it. Imported
            # here: the administration's pages load with its first request (lazyroutes.py).
            from community.web.admin_home import member_context

            user = accounts.get_user_by_nickname(session, nickname)
            assert user.id is not None
            return member_context(session, viewer, user.id, fields)

        return form_error(request, session, "admin_member.html", record, exc, key="erase_error")
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
