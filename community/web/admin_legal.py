"""/admin/legal: admins write Impressum, Datenschutzerklärung and Netiquette in Markdown or
point them to external pages, and choose whether staff posts show "Anna K."."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from community.accounts.staff import staff_names_shown
from community.accounts.viewer import Viewer
from community.api.deps import SessionDep
from community.auth import check_csrf
from community.errors import InvalidInput
from community.forum import permissions as perms
from community.legal import service as legal
from community.legal.service import MAX_MARKDOWN, MAX_URL, LegalPageSlug
from community.text import CleanStr
from community.web.legal_texts import TITLES
from community.web.pages import render
from community.web.routes import CsrfField, WebViewer

admin_legal_router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    *,
    error: str | None = None,
    failed: LegalPageSlug | None = None,
    entered: dict[str, str] | None = None,
    saved: str | None = None,
    status_code: int = 200,
) -> Response:
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
                "error": error if slug is failed else None,
            }
        )
    return render(
        request,
        "admin_legal.html",
        {
            "pages": pages,
            "show_staff_names": staff_names_shown(session),
            "max_markdown": MAX_MARKDOWN,
            "max_url": MAX_URL,
            "saved": saved,
        },
        status_code=status_code,
    )


@admin_legal_router.get("/admin/legal", response_class=HTMLResponse)
def page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    saved: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _page(request, session, viewer, saved=saved)


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
    return RedirectResponse("/admin/legal?saved=staff-names", status_code=303)


@admin_legal_router.post("/admin/legal/{slug}", response_class=HTMLResponse)
def update(
    slug: LegalPageSlug,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    markdown: Annotated[CleanStr, Form(max_length=MAX_MARKDOWN)] = "",
    url: Annotated[CleanStr, Form(max_length=MAX_URL)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        legal.update_page(session, viewer, slug, markdown=markdown, url=url)
    except InvalidInput as exc:
        return _page(
            request,
            session,
            viewer,
            error=exc.message,
            failed=slug,
            entered={"markdown": markdown, "url": url},
            status_code=422,
        )
    return RedirectResponse(f"/admin/legal?saved={slug.value}#{slug.value}", status_code=303)
