"""The settings page (profile, password, notifications, data, account) and the footer's
language switch. The notification, sales-contact and privacy forms post to their own routes
and come back here."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from community import i18n
from community.accounts import oidc_service
from community.accounts import service as accounts
from community.accounts.models import User
from community.accounts.schemas import PasswordChange, UserUpdate
from community.auth import check_csrf, set_session_cookie
from community.config import get_settings
from community.deps import SessionDep
from community.errors import CommunityError
from community.forum import permissions as perms
from community.notifications import preferences
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, login_first, safe_next, see_other
from community.web.forms import form_error, parse_form
from community.web.pages import render

router = APIRouter()


def settings_context(
    user: User, request: Request | None = None, profile: dict[str, str] | None = None
) -> dict[str, object]:
    """What settings.html shows: the stored values, except in the profile form after its
    refusal, which shows what was typed (`profile`). With the request: whether a provider
    sign-in just proved the account."""
    return {
        "user": user,
        "profile": profile
        or {
            "nickname": user.nickname,
            "real_name": user.real_name or "",
            "company": user.company or "",
            "locale": user.locale,
        },
        **preferences.settings_context(user),
        **oidc_service.settings_context(user),
        "has_password": oidc_service.has_password(user),
        "sso_proven": request is not None and proof_holds(request, user),
    }


def proof_holds(request: Request, user: User) -> bool:
    """A fresh provider sign-in in this browser's session stands in for the password."""
    return oidc_service.proof_holds(
        request.cookies.get(oidc_service.PROOF_COOKIE),
        user,
        request.cookies.get(get_settings().session_cookie),
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_form(request: Request, viewer: WebViewer) -> Response:
    if viewer.user is None:
        return login_first("/settings")
    return render(request, "settings.html", settings_context(viewer.user, request))


@router.post("/settings", response_model=None)
def save_settings(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    nickname: Annotated[CleanStr, Form(max_length=100)],
    locale: Annotated[Literal["de", "en"], Form()],
    real_name: Annotated[CleanStr, Form(max_length=100)] = "",
    company: Annotated[CleanStr, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_member(viewer)
    user = viewer.user
    assert user is not None
    fields = {"nickname": nickname, "real_name": real_name, "company": company, "locale": locale}
    try:
        data = parse_form(UserUpdate, fields)
        accounts.update_profile(
            session,
            user,
            nickname=data.nickname,
            real_name=data.real_name,
            company=data.company,
            locale=data.locale,
        )
    except CommunityError as exc:
        # Nothing half-saved; the profile form shows what was typed beside the message.
        return form_error(
            request, session, "settings.html", lambda: settings_context(user, profile=fields), exc
        )
    return see_other("/settings", flash="settings_saved")


@router.post("/settings/password", response_model=None)
def save_password(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    new: Annotated[CleanStr, Form(max_length=1000)],
    current: Annotated[CleanStr, Form(max_length=1000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_member(viewer)
    user = viewer.user
    assert user is not None
    try:
        data = parse_form(PasswordChange, {"current_password": current, "new_password": new})
        raw = accounts.change_password(
            session,
            user,
            data.current_password,
            data.new_password,
            proven=proof_holds(request, user),
        )
    except CommunityError as exc:
        return form_error(
            request,
            session,
            "settings.html",
            lambda: settings_context(user, request),
            exc,
            key="password_error",
        )
    response = see_other("/settings", flash="password_saved")
    set_session_cookie(response, raw)
    response.delete_cookie(oidc_service.PROOF_COOKIE, path="/")  # bound to the ended session
    return response


@router.post("/language", response_model=None)
def language(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    locale: Annotated[Literal["de", "en"], Form()],
    next: Annotated[CleanStr, Form(max_length=500)] = "/",
) -> Response:
    """The footer's language switch: a member's setting, a visitor's cookie."""
    check_csrf(request, csrf_token)
    if viewer.user is not None:
        accounts.update_profile(session, viewer.user, locale=locale)
    response = see_other(safe_next(next))
    response.set_cookie(
        i18n.LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax", httponly=True, path="/"
    )
    return response
