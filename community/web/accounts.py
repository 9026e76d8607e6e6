"""Pages to sign up, confirm the address, sign in and out, and reset a forgotten password.
The steps are community/accounts/entry.py's, the same as the API's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from community import i18n
from community.accounts import entry
from community.accounts import service as accounts
from community.accounts.schemas import (
    EmailRequest,
    LoginRequest,
    PasswordResetConfirm,
    UserRegister,
)
from community.accounts.viewer import ANONYMOUS
from community.auth import check_csrf, clear_session_cookie, client_ip, set_session_cookie
from community.config import get_settings
from community.deps import SessionDep
from community.errors import CommunityError
from community.i18n import N_
from community.middleware import asked_with_head
from community.text import CleanStr
from community.web import sso
from community.web.deps import VIEWER_KNOWN, CsrfField, WebViewer, safe_next, see_other
from community.web.forms import form_error, parse_form
from community.web.pages import render

router = APIRouter()

# The schema's refusal of a field, said the way the form says it.
_FIELD_MESSAGES = {"email": N_("Bitte geben Sie eine gültige E-Mail-Adresse an.")}


@router.get("/login", response_class=HTMLResponse, dependencies=[VIEWER_KNOWN])
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", _login_context(request, next))


def _login_context(request: Request, next: str | None) -> dict[str, object]:
    buttons = sso.login_buttons(i18n.pick_locale(request))
    return {"next": safe_next(next), "sso_buttons": buttons}


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    email: Annotated[CleanStr, Form(max_length=254)],
    password: Annotated[CleanStr, Form(max_length=1000)],
    next: Annotated[CleanStr, Form(max_length=500)] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        data = parse_form(LoginRequest, {"email": email, "password": password})
        _user, raw = entry.sign_in(
            session,
            data.email,
            data.password,
            ip=client_ip(request),
            old_token=request.cookies.get(get_settings().session_cookie),
        )
    except CommunityError as exc:
        context = {**_login_context(request, next), "email": email}
        return form_error(request, session, "login.html", context, exc)
    response = see_other(safe_next(next))
    set_session_cookie(response, raw)
    response.delete_cookie(sso.PROVIDER_COOKIE, path="/")  # this session is not a provider's
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    entry.sign_out(session, request.cookies.get(get_settings().session_cookie))
    # Signed in through a provider that offers RP-initiated logout: its session ends too.
    # Through a page, not a redirect: the form's redirect to another site is blocked by the
    # pages' Content-Security-Policy (form-action 'self'); the page's refresh is not.
    provider_url = sso.provider_logout_url(request)
    request.state.viewer = ANONYMOUS  # the page shows no one signed in
    response = (
        render(request, "signed_out.html", {"provider_url": provider_url})
        if provider_url
        else see_other("/")
    )
    clear_session_cookie(response)
    response.delete_cookie(sso.PROVIDER_COOKIE, path="/")
    return response


@router.get("/register", response_class=HTMLResponse, dependencies=[VIEWER_KNOWN])
def register_form(request: Request) -> Response:
    if get_settings().password_login_admins_only:
        # The form would only be refused: say why, and where members sign in instead.
        context = {"title": N_("Registrieren"), "message": entry.PASSWORD_LOGIN_OFF}
        return render(request, "message.html", context, 403)
    return render(request, "register.html", {"form": {}})


@router.post("/register", response_model=None)
def register(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    email: Annotated[CleanStr, Form(max_length=254)],
    nickname: Annotated[CleanStr, Form(max_length=100)],
    password: Annotated[CleanStr, Form(max_length=1000)],
    real_name: Annotated[CleanStr, Form(max_length=100)] = "",
    company: Annotated[CleanStr, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {"email": email, "nickname": nickname, "real_name": real_name, "company": company}
    try:
        # Mails and pages in the language they signed up in.
        fields = {**form, "password": password, "locale": i18n.pick_locale(request)}
        data = parse_form(UserRegister, fields, _FIELD_MESSAGES)
        user = entry.sign_up(session, data, ip=client_ip(request))
    except CommunityError as exc:
        if exc.fields and "email" in exc.fields:
            # The address's form refused it before the service ran: its checks too, so
            # that every field is marked in this one answer.
            try:
                accounts.check_sign_up(session, nickname=nickname, password=password, email=email)
            except CommunityError as more:
                found = {**exc.fields, **(more.fields or {})}
                # In the page's order, so the first marked field takes the focus.
                order = ("nickname", "email", "password")
                exc.fields = {name: found[name] for name in order if name in found}
        return form_error(request, session, "register.html", {"form": form}, exc)
    response = see_other("/welcome")
    if user is not None:  # None: the address has an account; its owner was mailed
        set_session_cookie(response, accounts.start_session(session, user))
    return response


@router.get("/welcome", response_class=HTMLResponse)
def welcome(request: Request, viewer: WebViewer) -> Response:
    return render(
        request,
        "message.html",
        {
            "title": N_("Fast geschafft"),
            "message": N_(
                "Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie Ihre Adresse "
                "mit dem Link darin; danach können Sie Fragen stellen und antworten."
            ),
        },
    )


@router.get("/verify-email", response_class=HTMLResponse, dependencies=[VIEWER_KNOWN])
def verify_email(
    request: Request, session: SessionDep, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    if asked_with_head(request.scope):
        return HTMLResponse("")  # a link checker's HEAD leaves the one-time link unused
    user = accounts.verify_email(session, token)
    return render(
        request,
        "message.html",
        {
            "title": N_("E-Mail-Adresse bestätigt"),
            "message": N_("Vielen Dank! Sie können jetzt Fragen stellen und antworten."),
        },
        locale=i18n.locale_of(user),  # the language of the mail whose link it is
    )


@router.post("/verify-email/resend", response_model=None)
def resend_verification(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    next: Annotated[CleanStr, Form(max_length=500)] = "/",
) -> Response:
    """From a form an unconfirmed member was refused on: a new link, then back there."""
    check_csrf(request, csrf_token)
    if viewer.user is None:
        return see_other(f"/login?next={safe_next(next)}")
    entry.resend_verification(session, viewer.user)
    return see_other(safe_next(next), flash="verification_sent")


@router.get("/forgot-password", response_class=HTMLResponse, dependencies=[VIEWER_KNOWN])
def forgot_form(request: Request) -> Response:
    return render(request, "forgot.html", {})


@router.post("/forgot-password", response_class=HTMLResponse)
def forgot(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    email: Annotated[CleanStr, Form(max_length=254)],
) -> Response:
    check_csrf(request, csrf_token)
    try:
        data = parse_form(EmailRequest, {"email": email}, _FIELD_MESSAGES)
        entry.request_reset(session, data.email, ip=client_ip(request))
    except CommunityError as exc:
        return form_error(request, session, "forgot.html", {"email": email}, exc)
    return render(
        request,
        "message.html",
        {
            "title": N_("E-Mail unterwegs"),
            "message": N_(
                "Wenn es ein Konto mit dieser Adresse gibt, erhalten Sie gleich einen Link."
            ),
        },
    )


@router.get("/reset-password", response_class=HTMLResponse, dependencies=[VIEWER_KNOWN])
def reset_form(request: Request, token: Annotated[str, Query(max_length=200)] = "") -> Response:
    return render(request, "reset.html", {"token": token})


@router.post("/reset-password", response_model=None)
def reset(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    token: Annotated[CleanStr, Form(max_length=200)],
    password: Annotated[CleanStr, Form(max_length=1000)],
) -> Response:
    check_csrf(request, csrf_token)
    try:
        data = parse_form(PasswordResetConfirm, {"token": token, "password": password})
        accounts.reset_password(session, data.token, data.password)
    except CommunityError as exc:
        return form_error(request, session, "reset.html", {"token": token}, exc)
    return render(
        request,
        "message.html",
        {
            "title": N_("Passwort geändert"),
            "message": N_("Ihr neues Passwort gilt. Bitte melden Sie sich an."),
        },
    )
