"""/admin/groups and /admin/boards: closed groups, who belongs to them, and the boards
with their settings (order, groups, pre-moderation, the unanswered threshold). Admins only,
as in the API; the rules and the audit entries are in the services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from community.accounts import admin
from community.accounts import service as accounts
from community.accounts.schemas import GroupCreate, GroupUpdate
from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.deps import SessionDep
from community.errors import CommunityError
from community.forum import boards
from community.forum import permissions as perms
from community.forum.premoderation import LIABILITY_NOTE
from community.forum.schemas import CategoryCreate, CategorySettings
from community.i18n import N_
from community.notifications import experts
from community.text import CleanStr
from community.web.admin_home import ROLE_LABELS
from community.web.deps import CsrfField, WebViewer, see_other, staff_gate, staff_write
from community.web.forms import form_error, parse_form
from community.web.pages import render

admin_groups_router = APIRouter(include_in_schema=False)

Slug = Annotated[str, Path(max_length=60)]
Text = Annotated[CleanStr, Form(max_length=2000)]
Short = Annotated[CleanStr, Form(max_length=100)]

_GROUP_MESSAGES = {
    "slug": N_("Der Kurzname braucht 2 bis 60 Zeichen: a-z, 0-9 und '-'."),
    "name": N_("Der Name braucht 2 bis 100 Zeichen."),
    "description": N_("Die Beschreibung darf höchstens 2000 Zeichen lang sein."),
}
_BOARD_MESSAGES = {
    **_GROUP_MESSAGES,
    "position": N_("Die Position ist eine ganze Zahl von -10000 bis 10000."),
    "unanswered_after_hours": N_(
        "Die Frist ist eine ganze Zahl von 1 bis 8760 Stunden, oder leer für den Standard."
    ),
    "default_kind": N_("Bitte wählen Sie Frage, Diskussion oder Ideen."),
}

DONE = {
    "created": N_("Gespeichert."),
    "saved": N_("Gespeichert."),
    "added": N_("Die Mitglieder sind hinzugefügt."),
    "removed": N_("Das Mitglied ist entfernt."),
}


def _admin_page(viewer: Viewer, path: str) -> Response | None:
    return staff_gate(viewer, path, perms.require_admin)


# ---- groups ----------------------------------------------------------------------------------


def _groups_context(session: SessionDep, form: Mapping[str, Any] | None = None) -> dict[str, Any]:
    groups = accounts.list_groups(session)
    opened = {g.id: boards.boards_of_group(session, g.id) for g, _n in groups if g.id}
    return {"groups": groups, "opened": opened, "form": form or {}}


@admin_groups_router.get("/admin/groups", response_class=HTMLResponse)
def groups_page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    if (gate := _admin_page(viewer, "/admin/groups")) is not None:
        return gate
    return render(request, "admin_groups.html", _groups_context(session))


@admin_groups_router.post("/admin/groups", response_model=None)
def create_group(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    slug: Annotated[str, Form(max_length=100)] = "",
    name: Short = "",
    description: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    form = {"slug": slug.strip(), "name": name, "description": description}
    try:
        data = parse_form(GroupCreate, form, _GROUP_MESSAGES)
        admin.create_group(
            session, viewer, slug=data.slug, name=data.name, description=data.description
        )
    except CommunityError as exc:
        context = lambda: _groups_context(session, form)  # noqa: E731
        return form_error(request, session, "admin_groups.html", context, exc)
    return see_other(f"/admin/groups/{data.slug}?done=created")


def _group_context(
    session: SessionDep, slug: str, form: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    group = accounts.get_group(session, slug)
    assert group.id is not None
    return {
        "group": group,
        "members": accounts.group_members(session, group),
        "opened": boards.boards_of_group(session, group.id),
        "form": form or {},
    }


@admin_groups_router.get("/admin/groups/{slug}", response_class=HTMLResponse)
def group_page(
    slug: Slug,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    if (gate := _admin_page(viewer, f"/admin/groups/{slug}")) is not None:
        return gate
    context = _group_context(session, slug)
    return render(request, "admin_group.html", {**context, "done": DONE.get(done or "")})


@admin_groups_router.post("/admin/groups/{slug}", response_model=None)
def update_group(
    slug: Slug,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    name: Short = "",
    description: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    form = {"name": name, "description": description}
    try:
        data = parse_form(GroupUpdate, form, _GROUP_MESSAGES)
        admin.update_group(session, viewer, slug, name=data.name, description=data.description)
    except CommunityError as exc:
        context = lambda: _group_context(session, slug, form)  # noqa: E731
        return form_error(request, session, "admin_group.html", context, exc)
    return see_other(f"/admin/groups/{slug}?done=saved")


@admin_groups_router.post("/admin/groups/{slug}/members", response_model=None)
def add_members(
    slug: Slug,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    names: Annotated[CleanStr, Form(max_length=20_000)] = "",
) -> Response:
    """One nickname or e-mail address a line (commas and semicolons work too)."""
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    wanted = names.replace(",", "\n").replace(";", "\n").splitlines()
    try:
        admin.add_members(session, viewer, slug, wanted)
    except CommunityError as exc:
        unknown = getattr(exc, "names", [])
        context = lambda: {**_group_context(session, slug), "names": names, "unknown": unknown}  # noqa: E731
        return form_error(request, session, "admin_group.html", context, exc, key="add_error")
    return see_other(f"/admin/groups/{slug}?done=added#members")


@admin_groups_router.post("/admin/groups/{slug}/members/{nickname}/remove", response_model=None)
def remove_member(
    slug: Slug,
    nickname: Annotated[str, Path(max_length=40)],
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    admin.remove_member(session, viewer, slug, nickname)
    return see_other(f"/admin/groups/{slug}?done=removed#members")


# ---- boards ----------------------------------------------------------------------------------


def _boards_context(
    session: SessionDep, viewer: Viewer, form: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    listed = boards.list_categories(session, viewer)
    return {
        "boards": listed,
        "board_groups": boards.category_group_slugs(session, [c.id for c in listed if c.id]),
        "groups": [g for g, _n in accounts.list_groups(session)],
        "liability_note": LIABILITY_NOTE,
        "form": form or {},
    }


def _hours(text: str) -> int | str | None:
    """Empty means the default; anything else goes to the schema as typed."""
    text = text.strip()
    return int(text) if text.isdigit() else (text or None)


@admin_groups_router.get("/admin/boards", response_class=HTMLResponse)
def boards_page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    if (gate := _admin_page(viewer, "/admin/boards")) is not None:
        return gate
    return render(request, "admin_boards.html", _boards_context(session, viewer))


@admin_groups_router.post("/admin/boards", response_model=None)
def create_board(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    slug: Annotated[str, Form(max_length=100)] = "",
    name: Short = "",
    description: Text = "",
    position: Annotated[str, Form(max_length=10)] = "0",
    default_kind: Annotated[str, Form(max_length=20)] = "question",
    premoderated: Annotated[bool, Form()] = False,
    groups: Annotated[list[str] | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    form = {
        "slug": slug.strip(),
        "name": name,
        "description": description,
        "position": position.strip() or "0",
        "default_kind": default_kind,
        "premoderated": premoderated,
        "groups": groups or [],
    }
    try:
        data = parse_form(CategoryCreate, form, _BOARD_MESSAGES)
        kind = parse_form(CategorySettings, {**form, "position": 0}, _BOARD_MESSAGES).default_kind
        boards.create_category(
            session,
            viewer,
            slug=data.slug,
            name=data.name,
            description=data.description,
            position=data.position,
            group_slugs=data.groups,
            premoderated=data.premoderated,
            default_kind=kind,
        )
    except CommunityError as exc:
        context = lambda: _boards_context(session, viewer, form)  # noqa: E731
        return form_error(request, session, "admin_boards.html", context, exc)
    return see_other(f"/admin/boards/{data.slug}?done=created")


def _board_context(
    session: SessionDep, viewer: Viewer, slug: str, form: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    board = boards.get_category(session, viewer, slug)
    assert board.id is not None
    hours = board.unanswered_after_hours
    stored = {
        "name": board.name,
        "description": board.description,
        "position": board.position,
        "unanswered_after_hours": "" if hours is None else hours,
        "default_kind": board.default_kind,
        "premoderated": board.premoderated,
        "groups": boards.category_group_slugs(session, [board.id]).get(board.id, []),
    }
    return {
        "board": board,
        "experts": experts.board_experts(session, viewer, board),
        "roles": ROLE_LABELS,
        "groups": [g for g, _n in accounts.list_groups(session)],
        "liability_note": LIABILITY_NOTE,
        "form": {**stored, **(form or {})},
    }


@admin_groups_router.get("/admin/boards/{slug}", response_class=HTMLResponse)
def board_page(
    slug: Slug,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    if (gate := _admin_page(viewer, f"/admin/boards/{slug}")) is not None:
        return gate
    context = _board_context(session, viewer, slug)
    return render(request, "admin_board.html", {**context, "done": DONE.get(done or "")})


@admin_groups_router.post("/admin/boards/{slug}", response_model=None)
def update_board(
    slug: Slug,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    name: Short = "",
    description: Text = "",
    position: Annotated[str, Form(max_length=10)] = "0",
    unanswered_after_hours: Annotated[str, Form(max_length=10)] = "",
    default_kind: Annotated[str, Form(max_length=20)] = "question",
    premoderated: Annotated[bool, Form()] = False,
    groups: Annotated[list[str] | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    form = {
        "name": name,
        "description": description,
        "position": position.strip() or "0",
        "unanswered_after_hours": unanswered_after_hours.strip(),
        "default_kind": default_kind,
        "premoderated": premoderated,
        "groups": groups or [],
    }
    try:
        fields = {**form, "unanswered_after_hours": _hours(unanswered_after_hours)}
        data = parse_form(CategorySettings, fields, _BOARD_MESSAGES)
        board = boards.get_category(session, viewer, slug)
        boards.update_category(
            session,
            viewer,
            board,
            name=data.name,
            description=data.description,
            position=data.position,
            unanswered_after_hours=data.unanswered_after_hours,
            default_kind=data.default_kind,
        )
        boards.set_premoderated(session, viewer, board, premoderated)
        boards.set_category_groups(session, viewer, board, groups or [])
    except CommunityError as exc:
        context = lambda: _board_context(session, viewer, slug, form)  # noqa: E731
        return form_error(request, session, "admin_board.html", context, exc)
    return see_other(f"/admin/boards/{slug}?done=saved")
