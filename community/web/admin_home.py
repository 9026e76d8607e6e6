"""/admin, the staff's home: every staff tool with what waits there; and /admin/members,
the members' list and a member's record with the staff's decisions on them.

Staff pages answer like the API's rules, but a page someone may not use does not admit
it exists: signed out -> the login page, signed in without the role -> 404."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from community.accounts import admin
from community.accounts.models import Role
from community.accounts.schemas import UserAdminUpdate
from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.deps import IdPath, SessionDep
from community.errors import CommunityError
from community.forum import permissions as perms
from community.i18n import N_
from community.moderation import members
from community.moderation import service as moderation
from community.moderation.attention import attention
from community.privacy.download import admin_export_response
from community.reputation.ranks import display_rank, load_ladder
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, see_other, staff_gate, staff_write
from community.web.forms import form_error, parse_form
from community.web.moderation import REASON_LABELS
from community.web.pages import render

admin_home_router = APIRouter(include_in_schema=False)

# ---- the home ----------------------------------------------------------------------------


@admin_home_router.get("/admin", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    if (gate := staff_gate(viewer, "/admin", perms.require_moderator)) is not None:
        return gate
    return render(request, "admin_home.html", {"counts": attention(session, viewer)})


# ---- members ------------------------------------------------------------------------------


@admin_home_router.get("/admin/members", response_class=HTMLResponse)
def members_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    q: Annotated[str, Query(max_length=254)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    if (gate := staff_gate(viewer, "/admin/members", perms.require_moderator)) is not None:
        return gate
    found = members.search(session, viewer, q, page)
    context = {"q": q, "found": found, "roles": ROLE_LABELS}
    return render(request, "admin_members.html", context)


DONE = {
    "role": N_("Rolle und Team-Kennzeichen sind gespeichert."),
    "suspend": N_("Das Mitglied ist vorübergehend gesperrt."),
    "ban": N_("Das Mitglied ist dauerhaft gesperrt."),
    "unsuspend": N_("Die Sperre ist aufgehoben."),
}

ROLE_LABELS = {
    Role.member.value: N_("Mitglied"),
    Role.expert.value: N_("Experte"),
    Role.moderator.value: N_("Moderator"),
    Role.admin.value: N_("Administrator"),
}


def member_context(
    session: SessionDep, viewer: Viewer, user_id: int, form: Mapping[str, object] | None = None
) -> dict[str, object]:
    record = members.record(session, viewer, user_id)
    return {
        "record": record,
        "user": record.user,
        "rank": display_rank(record.user, load_ladder(session)),
        "roles": ROLE_LABELS,
        "reason_labels": {r.value: label for r, label in REASON_LABELS.items()},
        "form": form or {},
    }


@admin_home_router.get("/admin/members/{user_id}", response_class=HTMLResponse)
def member_page(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    path = f"/admin/members/{user_id}"
    if (gate := staff_gate(viewer, path, perms.require_moderator)) is not None:
        return gate
    context = member_context(session, viewer, user_id)
    return render(request, "admin_member.html", {**context, "done": DONE.get(done or "")})


@admin_home_router.post("/admin/members/{user_id}/role", response_model=None)
def change_role(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    role: Annotated[str, Form(max_length=20)] = "",
    is_staff: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    user = members.record(session, viewer, user_id).user
    form = {"role": role, "is_staff": is_staff}
    try:
        data = parse_form(UserAdminUpdate, form, {"role": N_("Bitte wählen Sie eine Rolle.")})
        admin.update_user(session, viewer, user.nickname, role=data.role, is_staff=data.is_staff)
    except CommunityError as exc:
        context = lambda: member_context(session, viewer, user_id, form)  # noqa: E731
        return form_error(request, session, "admin_member.html", context, exc, key="role_error")
    return see_other(f"/admin/members/{user_id}?done=role")


@admin_home_router.post("/admin/members/{user_id}/export", response_model=None)
def member_export(
    user_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer, csrf_token: CsrfField
) -> Response:
    """The member's data file for an admin answering their request; before the route of
    the sanctions, whose {action} would take "export"."""
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    return admin_export_response(session, viewer, user_id)


@admin_home_router.post("/admin/members/{user_id}/{action}", response_model=None)
def sanction(
    user_id: IdPath,
    action: Literal["suspend", "ban", "unsuspend"],
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    reason: Annotated[CleanStr, Form(max_length=1000)] = "",
    days: Annotated[str, Form(max_length=10)] = "7",
) -> Response:
    """The same decisions as in the moderation queue, from the member's record."""
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_moderator)
    nickname = members.record(session, viewer, user_id).user.nickname
    form = {"action": action, "reason": reason, "days": days}
    try:
        if action == "suspend":
            moderation.suspend_user(session, viewer, nickname, days=_days(days), reason=reason)
        elif action == "ban":
            moderation.ban_user(session, viewer, nickname, reason=reason)
        else:
            moderation.unsuspend_user(session, viewer, nickname, reason=reason)
    except CommunityError as exc:
        context = lambda: member_context(session, viewer, user_id, form)  # noqa: E731
        return form_error(request, session, "admin_member.html", context, exc, key="sanction_error")
    return see_other(f"/admin/members/{user_id}?done={action}")


def _days(text: str) -> int:
    """The service says what a suspension may last; a number that is none says the same."""
    try:
        return int(text.strip())
    except ValueError:
        return 0
