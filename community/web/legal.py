"""Impressum, Datenschutzerklärung and Netiquette: reachable from every page's footer. An
admin may write them (/admin/legal) or point them to external pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from community import i18n
from community.deps import SessionDep
from community.legal import service as legal
from community.legal.service import LegalPageSlug
from community.web import legal_texts
from community.web.deps import WebViewer
from community.web.pages import render

router = APIRouter()


def _legal_page(slug: LegalPageSlug, request: Request, session: SessionDep) -> Response:
    resolved = legal.resolve_page(session, slug)
    if resolved.url:
        return RedirectResponse(resolved.url, status_code=302)
    # The built-in text is translated here, before render() would set the language.
    i18n.set_locale(i18n.pick_locale(request))
    return render(
        request,
        "legal.html",
        {
            "title": legal_texts.TITLES[slug],
            "html": resolved.html or legal_texts.default_html(slug),
            "variable": legal.env_variable(slug),
        },
    )


@router.get("/impressum", response_class=HTMLResponse)
def impressum(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    return _legal_page(LegalPageSlug.impressum, request, session)


@router.get("/datenschutz", response_class=HTMLResponse)
def datenschutz(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    return _legal_page(LegalPageSlug.datenschutz, request, session)


@router.get("/netiquette", response_class=HTMLResponse)
def netiquette(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    return _legal_page(LegalPageSlug.netiquette, request, session)
