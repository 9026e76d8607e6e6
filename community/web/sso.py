"""Sign-in with an OpenID provider (community/accounts/oidc.py): start, callback, the first
sign-in's nickname, proving an existing account, back-channel logout, unlinking.

Between the steps the browser carries signed, short-lived cookies: the flow (state, nonce,
PKCE verifier) and, after a valid ID token, the claims the forum keeps. Nothing is stored
before the member is signed in, so a refused answer leaves no trace."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from community import i18n
from community.accounts import entry, oidc, oidc_service, security
from community.accounts.models import User
from community.auth import check_csrf, client_ip, set_session_cookie
from community.config import OidcProvider, get_settings
from community.deps import SessionDep
from community.errors import CommunityError, NotFound
from community.forum import permissions as perms
from community.i18n import N_
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, login_first, safe_next, see_other
from community.web.forms import form_error
from community.web.pages import render
from community.web.settings import proof_holds, settings_context

router = APIRouter()

FLOW_COOKIE = "community_sso_flow"
PENDING_COOKIE = "community_sso_pending"
# Which provider the session came from, for the provider's logout (no token kept).
PROVIDER_COOKIE = "community_sso_provider"
PENDING_SECONDS = 900
# The browser that asked for a link by mail: only it can use the link (see link_by_mail).
LINK_BROWSER_COOKIE = "community_sso_link"

REFUSED_TITLE = N_("Anmeldung nicht möglich")


def _set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/",
    )


def _refused(request: Request, exc: CommunityError) -> Response:
    response = render(
        request,
        "message.html",
        {"title": REFUSED_TITLE, "message": exc.message},
        exc.status_code,
    )
    response.delete_cookie(FLOW_COOKIE, path="/")
    return response


def login_buttons(locale: str) -> list[dict[str, Any]]:
    """The login page's buttons, with a note on those that could not be reached lately."""
    return [
        {
            "name": provider.name,
            "label": oidc.button_text(provider, locale),
            "down": oidc.is_known_down(provider),
        }
        for provider in oidc.providers()
    ]


def provider_logout_url(request: Request) -> str | None:
    """For /logout: the provider's end-session URL when the session came from one."""
    name = request.cookies.get(PROVIDER_COOKIE)
    provider = next((p for p in oidc.providers() if p.name == name), None)
    return oidc.end_session_url(provider) if provider else None


def _signed_in(
    request: Request,
    response: Response,
    session: SessionDep,
    user: User,
    provider: str,
    sid: Any = None,
) -> Response:
    # As at the password login: the browser's previous session ends, a new one begins.
    entry.sign_out(session, request.cookies.get(get_settings().session_cookie))
    set_session_cookie(response, oidc_service.start_session(session, user, provider, sid))
    _set_cookie(response, PROVIDER_COOKIE, provider, get_settings().session_days * 86400)
    response.delete_cookie(FLOW_COOKIE, path="/")
    response.delete_cookie(PENDING_COOKIE, path="/")
    response.delete_cookie(oidc_service.PROOF_COOKIE, path="/")
    return response


@router.get("/sso/{name}/start", response_model=None)
def start(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    name: str,
    next: str | None = None,
    purpose: Literal["login", "reauth"] = "login",
) -> Response:
    """The sign-in, or (purpose "reauth") a signed-in member's proof of the account by a
    fresh sign-in at a linked provider, instead of a password (e.g. to erase the account)."""
    provider = oidc.get_provider(name)
    user_id = None
    if purpose == "reauth":
        if viewer.user is None:
            return login_first("/settings")
        if name not in {link.provider for link in oidc_service.links_of(session, viewer.user)}:
            raise NotFound(N_("Diese Verknüpfung gibt es nicht."))
        user_id = viewer.user.id
    try:
        url, flow = oidc.start(provider, safe_next(next), purpose=purpose, user_id=user_id)
    except oidc.ProviderDown as exc:
        return _refused(request, exc)
    response = see_other(url)
    _set_cookie(response, FLOW_COOKIE, oidc.pack(flow.__dict__, "sso-flow"), oidc.FLOW_SECONDS)
    return response


@router.get("/sso/{name}/callback", response_model=None)
def callback(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    name: str,
    code: Annotated[str, Query(max_length=2000)] = "",
    state: Annotated[str, Query(max_length=200)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    provider = oidc.get_provider(name)
    data = oidc.unpack(request.cookies.get(FLOW_COOKIE), "sso-flow", oidc.FLOW_SECONDS)
    try:
        if data is None or data.get("provider") != name or not state:
            raise oidc.SignInRefused(oidc.EXPIRED_FLOW)
        flow = oidc.Flow(**data)
        if not security.same(flow.state, state):  # bytes: any text, never a TypeError
            raise oidc.SignInRefused(oidc.EXPIRED_FLOW)
        if error or not code:
            raise oidc.SignInRefused(oidc.CANCELLED)
        claims = oidc.finish(provider, flow, code)
        if flow.purpose == "reauth":
            return _reauthenticated(request, session, viewer, provider, flow, claims)
        if flow.purpose == "link":
            return _linked(request, session, viewer, provider, flow, claims)
        outcome = oidc_service.sign_in(session, provider, claims)
        if outcome.kind != "signed_in" and viewer.user is not None:
            # A sign-in begun while signed in, not the settings' proven "Verknüpfen": no
            # link (a sign-in forced on the member's browser would link a stranger's login).
            raise oidc.SignInRefused(ALREADY_SIGNED_IN)
    except CommunityError as exc:
        session.rollback()
        return _refused(request, exc)
    if outcome.kind == "signed_in":
        assert outcome.user is not None
        response = see_other(flow.next)
        return _signed_in(request, response, session, outcome.user, name, claims.get("sid"))
    pending = {
        "provider": name,
        "claims": oidc_service.pending_claims(provider, claims),
        "next": flow.next,
        "link_user": outcome.user.id if outcome.user else None,
    }
    response = see_other("/sso/link" if outcome.kind == "link" else "/sso/nickname")
    _set_cookie(response, PENDING_COOKIE, oidc.pack(pending, "sso-pending"), PENDING_SECONDS)
    response.delete_cookie(FLOW_COOKIE, path="/")
    return response


ALREADY_SIGNED_IN = N_(
    "Sie sind schon angemeldet. Ein Firmenkonto verknüpfen Sie in Ihren Einstellungen."
)


def _linked(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    provider: OidcProvider,
    flow: oidc.Flow,
    claims: dict[str, Any],
) -> Response:
    """The settings' "Verknüpfen" came back: the identity joins the account that proved
    itself when it started (same member, same browser). The session begins anew, as at any
    sign-in: the provider's claims may have changed the member's groups or role."""
    user = viewer.user
    if user is None or user.id != flow.user_id:
        raise oidc.SignInRefused(oidc.EXPIRED_FLOW)
    user = oidc_service.link_account(session, provider, claims, user)
    response = see_other(flow.next, flash="sso_linked")
    return _signed_in(request, response, session, user, provider.name, claims.get("sid"))


def _reauthenticated(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    provider: OidcProvider,
    flow: oidc.Flow,
    claims: dict[str, Any],
) -> Response:
    """The proof is a cookie bound to this forum session; the member goes back to the form
    that asked for it, which now accepts without a password for a few minutes."""
    session_token = request.cookies.get(get_settings().session_cookie)
    user = viewer.user
    if user is None or user.id != flow.user_id or not session_token:
        raise oidc.SignInRefused(oidc.EXPIRED_FLOW)
    oidc_service.check_reauth(session, provider, claims, user)
    response = see_other(flow.next)
    proof = oidc_service.make_proof(user, provider.name, session_token)
    _set_cookie(response, oidc_service.PROOF_COOKIE, proof, oidc_service.PROOF_SECONDS)
    response.delete_cookie(FLOW_COOKIE, path="/")
    return response


def _pending(request: Request) -> dict[str, Any]:
    data = oidc.unpack(request.cookies.get(PENDING_COOKIE), "sso-pending", PENDING_SECONDS)
    if data is None:
        raise oidc.SignInRefused(oidc.EXPIRED_FLOW)
    oidc.get_provider(data["provider"])
    return data


@router.get("/sso/nickname", response_class=HTMLResponse)
def nickname_form(request: Request) -> Response:
    try:
        _pending(request)
    except CommunityError as exc:
        return _refused(request, exc)
    return render(request, "sso_nickname.html", {"nickname": ""})


@router.post("/sso/nickname", response_model=None)
def choose_nickname(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    nickname: Annotated[CleanStr, Form(max_length=100)],
) -> Response:
    check_csrf(request, csrf_token)
    try:
        pending = _pending(request)
    except CommunityError as exc:
        return _refused(request, exc)
    provider = oidc.get_provider(pending["provider"])
    try:
        user = oidc_service.create_member(
            session, provider, pending["claims"], nickname, i18n.pick_locale(request)
        )
    except CommunityError as exc:
        suggestions = (
            oidc_service.nickname_suggestions(session, nickname)
            if exc.code == "nickname_taken"
            else []
        )
        context = {"nickname": nickname, "suggestions": suggestions}
        return form_error(request, session, "sso_nickname.html", context, exc)
    response = see_other(safe_next(pending.get("next")))
    return _signed_in(request, response, session, user, provider.name, pending["claims"].get("sid"))


def _link_context(request: Request, pending: dict[str, Any]) -> dict[str, Any]:
    provider = oidc.get_provider(pending["provider"])
    return {"provider_label": oidc.label(provider, i18n.pick_locale(request))}


@router.get("/sso/link", response_class=HTMLResponse)
def link_form(request: Request) -> Response:
    try:
        pending = _pending(request)
    except CommunityError as exc:
        return _refused(request, exc)
    return render(request, "sso_link.html", _link_context(request, pending))


@router.post("/sso/link", response_model=None)
def link_with_password(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    password: Annotated[CleanStr, Form(max_length=1000)],
) -> Response:
    check_csrf(request, csrf_token)
    try:
        pending = _pending(request)
        user = session.get(User, pending.get("link_user") or 0)
        if user is None:
            raise oidc.SignInRefused(oidc.EXPIRED_FLOW)
    except CommunityError as exc:
        return _refused(request, exc)
    provider = oidc.get_provider(pending["provider"])
    try:
        oidc_service.link_with_password(
            session, provider, pending["claims"], user, password, ip=client_ip(request)
        )
    except CommunityError as exc:
        return form_error(request, session, "sso_link.html", _link_context(request, pending), exc)
    response = see_other(safe_next(pending.get("next")))
    return _signed_in(request, response, session, user, provider.name, pending["claims"].get("sid"))


@router.post("/sso/link/mail", response_model=None)
def link_by_mail(request: Request, session: SessionDep, csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    try:
        pending = _pending(request)
        user = session.get(User, pending.get("link_user") or 0)
        if user is None:
            raise oidc.SignInRefused(oidc.EXPIRED_FLOW)
        # The link works only in this browser, the one that signed in at the provider: the
        # mail goes to the account's owner, who must not be brought to link someone else's
        # company login by clicking it (nor a mail scanner that fetches every link).
        browser = secrets.token_urlsafe(24)
        token = oidc.pack(
            {
                "user": user.id,
                "provider": pending["provider"],
                "claims": pending["claims"],
                "browser": browser,
            },
            "sso-link-mail",
        )
        oidc_service.send_link_mail(session, user, token)
    except CommunityError as exc:
        return _refused(request, exc)
    response = render(
        request,
        "message.html",
        {
            "title": N_("E-Mail unterwegs"),
            "message": N_(
                "Wir haben Ihnen einen Link an die Adresse Ihres Kontos geschickt. Öffnen Sie "
                "ihn in diesem Browser, um Ihr Firmenkonto zu verknüpfen; er gilt 2 Stunden."
            ),
        },
    )
    _set_cookie(response, LINK_BROWSER_COOKIE, browser, oidc_service.LINK_MAIL_SECONDS)
    response.delete_cookie(PENDING_COOKIE, path="/")
    return response


def _mailed_link(request: Request, session: SessionDep, token: str) -> tuple[User, dict[str, Any]]:
    """The account and what the mailed link names, when it is opened in the browser that
    asked for it."""
    data = oidc.unpack(token, "sso-link-mail", oidc_service.LINK_MAIL_SECONDS)
    user = session.get(User, data.get("user") or 0) if data else None
    if data is None or user is None:
        raise oidc.SignInRefused(N_("Der Link ist ungültig oder abgelaufen."))
    browser = request.cookies.get(LINK_BROWSER_COOKIE, "")
    if not browser or not security.same(browser, str(data.get("browser", ""))):
        raise oidc.SignInRefused(
            N_(
                "Öffnen Sie den Link in dem Browser, in dem Sie sich mit dem Firmenkonto "
                "angemeldet haben. Haben Sie die Verknüpfung nicht selbst angefordert, "
                "ignorieren Sie die E-Mail: Ihr Konto bleibt, wie es ist."
            )
        )
    return user, data


@router.get("/sso/link/confirm", response_model=None)
def link_confirm_form(
    request: Request, session: SessionDep, token: Annotated[str, Query(max_length=8000)] = ""
) -> Response:
    """Asks first: opening the link changes nothing (mail scanners fetch every link)."""
    try:
        user, data = _mailed_link(request, session, token)
        provider = oidc.get_provider(data["provider"])
    except CommunityError as exc:
        return _refused(request, exc)
    context = {
        "token": token,
        "nickname": user.nickname,
        "provider_label": oidc.label(provider, i18n.pick_locale(request)),
        "identity": oidc_service.identity_shown(provider, data["claims"]),
    }
    return render(request, "sso_link_confirm.html", context)


@router.post("/sso/link/confirm", response_model=None)
def link_confirm(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    token: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        user, data = _mailed_link(request, session, token)
        provider = oidc.get_provider(data["provider"])
        oidc_service.link_account(session, provider, data["claims"], user)
    except CommunityError as exc:
        session.rollback()
        return _refused(request, exc)
    response = see_other("/settings", flash="sso_linked")
    response.delete_cookie(LINK_BROWSER_COOKIE, path="/")
    return _signed_in(request, response, session, user, provider.name)


@router.post("/sso/{name}/backchannel-logout", response_model=None)
def backchannel_logout(
    session: SessionDep,
    name: str,
    logout_token: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Called by the provider, not a browser (no CSRF field): the logout token is the proof."""
    provider = oidc.get_provider(name)
    headers = {"Cache-Control": "no-store"}
    try:
        token = oidc.validate_logout_token(provider, logout_token)
        oidc_service.end_sessions(session, provider, token)
    except CommunityError as exc:
        session.rollback()
        body = {"error": "invalid_request", "error_description": exc.code}
        return JSONResponse(body, status_code=400, headers=headers)
    return Response(status_code=200, headers=headers)


@router.post("/settings/sso/{name}/link", response_model=None)
def link_from_settings(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    name: str,
    password: Annotated[CleanStr, Form(max_length=1000)] = "",
) -> Response:
    """A signed-in member links a company login: proved by the password (or a fresh
    provider sign-in), then off to the provider, back to the settings."""
    check_csrf(request, csrf_token)
    perms.require_member(viewer)
    user = viewer.user
    assert user is not None and user.id is not None
    provider = oidc.get_provider(name)
    try:
        oidc_service.prove_for_link(
            session, user, name, password, proven=proof_holds(request, user), ip=client_ip(request)
        )
        url, flow = oidc.start(provider, "/settings#sso", purpose="link", user_id=user.id)
    except oidc.ProviderDown as exc:
        return _refused(request, exc)
    except CommunityError as exc:
        context = lambda: settings_context(user, request)  # noqa: E731
        return form_error(request, session, "settings.html", context, exc, key="sso_error")
    response = see_other(url)
    _set_cookie(response, FLOW_COOKIE, oidc.pack(flow.__dict__, "sso-flow"), oidc.FLOW_SECONDS)
    return response


@router.post("/settings/sso/{name}/unlink", response_model=None)
def unlink(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    name: str,
    password: Annotated[CleanStr, Form(max_length=1000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_member(viewer)
    user = viewer.user
    assert user is not None
    try:
        oidc_service.unlink(session, user, name, password)
    except CommunityError as exc:
        return form_error(
            request,
            session,
            "settings.html",
            lambda: settings_context(user),
            exc,
            key="sso_error",
        )
    return see_other("/settings", flash="sso_unlinked")
