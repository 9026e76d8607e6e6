"""The public FAQ page of a board (a public board's published entries only)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from community.deps import SessionDep
from community.faq import formats
from community.faq import service as faq
from community.forum import boards
from community.forum.markdown import render_markdown
from community.web.deps import WebViewer
from community.web.pages import render

faq_web_router = APIRouter(include_in_schema=False)


@faq_web_router.get("/c/{slug}/faq", response_class=HTMLResponse)
def board_faq(slug: str, request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    category = boards.get_category(session, viewer, slug)  # 404 for a closed board's outsiders
    assert category.id is not None
    items = faq.public_entries(session, category.id)
    entries = [
        {
            "title": i.entry.published_title,
            "question_html": render_markdown(i.entry.published_question or ""),
            "answer_html": render_markdown(i.entry.published_answer or ""),
            "url": i.url,
            "answerer": i.entry.answerer,
        }
        for i in items
    ]
    jsonld = json.dumps(formats.as_jsonld(items), ensure_ascii=False).replace("</", "<\\/")
    return render(
        request, "faq_board.html", {"category": category, "entries": entries, "jsonld": jsonld}
    )
