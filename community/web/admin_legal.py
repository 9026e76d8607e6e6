"""/admin/legal: admins write Impressum, Datenschutzerklärung and Netiquette in Markdown or
point them to external pages, and choose whether staff posts show "Anna K."."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from community.accounts.staff import staff_names_shown
from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.deps import SessionDep
from community.errors import CommunityError
from community.forum import permissions as perms
from community.forum.markdown import render_markdown
from community.legal import service as legal
from community.legal.schemas import LegalPageUpdate
from community.legal.service import MAX_MARKDOWN, MAX_URL, LegalPageSlug
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, see_other
from community.web.forms import form_error, parse_form
from community.web.legal_texts import TITLES
from community.web.pages import render

admin_legal_router = APIRouter(include_in_schema=False)


def _context(
    session: SessionDep,
    viewer: Viewer,
    *,
    failed: LegalPageSlug | None = None,
    entered: dict[str, str] | None = None,
    saved: str | None = None,
) -> dict[str, object]:
    """The three pages' forms; the one refused (`failed`) shows what was `entered`."""
    perms.require_admin(viewer)
    pages = []
    for slug in LegalPageSlug:
        stored = legal.stored_page(session, slug)
        resolved = legal.resolve_page(session, slug)
        form = {"markdown": stored.markdown, "url": stored.url or ""}
        if slug is failed and entered is not None:
            form = entered
        pages.append(
            {
                "slug": slug.value,
                "title": TITLES[slug],
                "form": form,
                "source": resolved.source,
                "href": resolved.href,
                "env_url": legal.env_url(slug),
                "variable": legal.env_variable(slug),
            }
        )
    return {
        "pages": pages,
        "failed": failed.value if failed else None,
        "show_staff_names": staff_names_shown(session),
        "max_markdown": MAX_MARKDOWN,
        "max_url": MAX_URL,
        "saved": saved,
    }


@admin_legal_router.get("/admin/legal", response_class=HTMLResponse)
def page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    saved: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return render(request, "admin_legal.html", _context(session, viewer, saved=saved))


@admin_legal_router.post("/admin/legal/staff-names")
def staff_names(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    show_name: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(request, csrf_token)
    legal.set_staff_names_shown(session, viewer, show_name)
    return see_other("/admin/legal?saved=staff-names")


@admin_legal_router.post("/admin/legal/{slug}", response_class=HTMLResponse)
def update(
    slug: LegalPageSlug,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    markdown: Annotated[CleanStr, Form(max_length=MAX_MARKDOWN)] = "",
    url: Annotated[CleanStr, Form(max_length=MAX_URL)] = "",
    action: Annotated[str, Form(max_length=10)] = "save",
) -> Response:
    check_csrf(request, csrf_token)
    entered = {"markdown": markdown, "url": url}
    if action == "preview":
        # The text as readers would see it, nothing saved: no JavaScript needed.
        context = _context(session, viewer, failed=slug, entered=entered)
        preview = render_markdown(markdown) if markdown.strip() else ""
        return render(request, "admin_legal.html", {**context, "preview": preview})
    try:
        data = parse_form(LegalPageUpdate, {"markdown": markdown, "url": url or None})
        legal.update_page(session, viewer, slug, markdown=data.markdown, url=data.url)
    except CommunityError as exc:
        again = partial(_context, session, viewer, failed=slug, entered=entered)
        return form_error(request, session, "admin_legal.html", again, exc)
    return see_other(f"/admin/legal?saved={slug.value}#{slug.value}")
