"""/admin/ranks: admins name the ranks members reach ("Fortgeschrittener", "Experte") and
the points and posts each one needs. Every member's rank follows at once: the service
recomputes them in the same transaction and audits the change. Admins only, as in the
API (PUT /api/v1/admin/ranks)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.config import get_settings
from community.deps import SessionDep
from community.errors import CommunityError, InvalidInput
from community.forum import permissions as perms
from community.forum.slugs import slugify
from community.i18n import Formatted
from community.reputation import service as reputation
from community.reputation.ranks import load_ladder
from community.web.deps import CsrfField, WebViewer, see_other, staff_gate, staff_write
from community.web.forms import form_error
from community.web.pages import render

admin_ranks_router = APIRouter(include_in_schema=False)

# Empty steps under the ladder, for new ranks (a step left empty is no step).
NEW_ROWS = 2
FIELDS = ("key", "name_de", "name_en", "min_points", "min_posts")
Column = Annotated[list[str] | None, Form()]


def _context(
    session: SessionDep, viewer: Viewer, rows: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The ladder's steps as form rows (or the rows typed, when refused), with empty ones."""
    perms.require_admin(viewer)
    if rows is None:
        rows = [step.model_dump() for step in load_ladder(session).steps]
    settings = get_settings()
    return {
        "rows": [*rows, *({} for _ in range(NEW_ROWS))],
        "counts": reputation.members_per_rank(session, viewer),
        "points": {
            "question": settings.points_question,
            "reply": settings.points_reply,
            "solution": settings.points_solution,
            "kudos": settings.points_kudos,
        },
    }


@admin_ranks_router.get("/admin/ranks", response_class=HTMLResponse)
def page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    if (gate := staff_gate(viewer, "/admin/ranks", perms.require_admin)) is not None:
        return gate
    return render(request, "admin_ranks.html", _context(session, viewer))


@admin_ranks_router.post("/admin/ranks", response_class=HTMLResponse)
def save(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    key: Column = None,
    name_de: Column = None,
    name_en: Column = None,
    min_points: Column = None,
    min_posts: Column = None,
    remove: Column = None,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    columns = [key or [], name_de or [], name_en or [], min_points or [], min_posts or []]
    typed = [
        dict(zip(FIELDS, (col[i].strip() if i < len(col) else "" for col in columns), strict=True))
        for i in range(max(map(len, columns)))
    ]
    # A row with nothing typed is a new step not wanted; a ticked one is taken away. A new
    # step's key is made from its name (the admin need not invent one) and shown with the
    # row if the ladder is refused, so a clash of keys can be seen.
    removed = set(remove or [])
    rows = [
        {**row, "key": row["key"] or _key_from(row, i), "remove": str(i) in removed}
        for i, row in enumerate(typed)
        if any(row.values())
    ]
    kept = [(n, row) for n, row in enumerate(rows, start=1) if not row["remove"]]
    steps = [
        {**{name: str(row[name]) for name in FIELDS}, "min_posts": row["min_posts"] or "0"}
        for _n, row in kept
    ]
    try:
        try:
            reputation.replace_ladder(session, viewer, {"steps": steps})
        except InvalidInput as exc:
            raise _as_numbered_on_the_page(exc, [n for n, _row in kept]) from None
    except CommunityError as exc:
        context = lambda: _context(session, viewer, rows)  # noqa: E731
        return form_error(request, session, "admin_ranks.html", context, exc)
    return see_other("/admin/ranks", flash="ranks_saved")


def _key_from(row: dict[str, str], index: int) -> str:
    name = row["name_en"] or row["name_de"]
    key = slugify(name, max_length=40)
    # slugify's stand-in for a name without a Latin letter or digit ("★★★", "Δόξα")
    if key == "thema" and "thema" not in name.casefold():
        key = f"stufe-{index + 1}"
    return key


def _as_numbered_on_the_page(exc: InvalidInput, numbers: list[int]) -> InvalidInput:
    """The service counts the steps it was given; the page numbers every row, those ticked
    for removal too: "Stufe 6" is said of the row the admin sees as Stufe 6."""
    message = exc.message
    if isinstance(message, Formatted) and "step" in message.params:
        step = numbers[int(message.params["step"]) - 1]
        return InvalidInput(
            Formatted(message.msgid, **{**message.params, "step": step}), code=exc.code
        )
    return exc
