"""/admin/stats (the moderators' figures, with charts and a CSV download) and the asker's
satisfaction form on a solved thread."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from community import i18n
from community.auth import check_csrf
from community.deps import IdPath, SessionDep
from community.errors import Conflict, InvalidInput
from community.forum import boards
from community.forum import permissions as perms
from community.forum import service as forum
from community.i18n import N_, fmt_number, gettext
from community.ideas.models import STATUS_LABELS
from community.ideas.stats import idea_figures
from community.insights import export
from community.insights import satisfaction as insights_satisfaction
from community.insights import service as insights
from community.insights.charts import Bar, bar_chart
from community.insights.schemas import Period, StatsPublic
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, login_first, see_other
from community.web.forms import form_error
from community.web.pages import render

insights_web_router = APIRouter(include_in_schema=False)

PERIODS = (
    ("week", N_("Letzte 7 Tage")),
    ("month", N_("Letzte 30 Tage")),
    ("quarter", N_("Letzte 91 Tage (Quartal)")),
    ("year", N_("Letzte 365 Tage")),
    ("custom", N_("Eigener Zeitraum")),
)

HISTOGRAM_LABELS = {
    "lt1h": N_("unter 1 Std."),
    "1-4h": N_("1–4 Std."),
    "4-8h": N_("4–8 Std."),
    "8-24h": N_("8–24 Std."),
    "1-3d": N_("1–3 Tage"),
    "3-7d": N_("3–7 Tage"),
    "gt7d": N_("über 7 Tage"),
    "none": N_("noch keine"),
}


def _hours(value: float | None) -> str:
    # One decimal is precise enough to read; the API and CSV keep two.
    return (
        "–" if value is None else gettext("%(hours)s Std.") % {"hours": fmt_number(round(value, 1))}
    )


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{fmt_number(round(value * 100, 1))} %"


def _charts(stats: StatsPublic) -> dict[str, Markup]:
    daily = stats.bucket == "day"
    bars = [
        Bar(label=p.start.strftime("%d.%m."), value=p.questions, rate=p.solution_rate)
        for p in stats.timeline
    ]
    overall = stats.overall
    timeline = bar_chart(
        "chart-questions",
        bars,
        title=gettext("Neue Fragen und Lösungsquote je Tag")
        if daily
        else gettext("Neue Fragen und Lösungsquote je Woche"),
        description=gettext(
            "Balken: neue Fragen je %(unit)s (insgesamt %(questions)s). "
            "Linie: Anteil davon, der inzwischen gelöst ist (insgesamt %(rate)s). "
            "Die Zahlen stehen auch in der Tabelle darunter."
        )
        % {
            "unit": gettext("Tag") if daily else gettext("Woche"),
            "questions": fmt_number(overall.questions),
            "rate": _percent(overall.solution_rate),
        },
        rate_label=gettext("Lösungsquote"),
        label_every=max(1, len(bars) // 10),
    )
    histogram = bar_chart(
        "chart-first-reply",
        [
            Bar(label=gettext(HISTOGRAM_LABELS[b.key]), value=b.count)
            for b in stats.first_reply_histogram
        ],
        title=gettext("Zeit bis zur ersten Antwort"),
        description=gettext(
            "Fragen des Zeitraums nach der Zeit bis zur ersten Antwort von jemand anderem: "
            "Median %(median)s, 90 %% innerhalb von %(p90)s. "
            "Die Zahlen stehen auch in der Tabelle darunter."
        )
        % {
            "median": _hours(overall.first_reply.median_hours),
            "p90": _hours(overall.first_reply.p90_hours),
        },
    )
    return {"timeline": timeline, "histogram": histogram}


def _query(
    period: Period, start: date | None, end: date | None, category: str | None
) -> dict[str, str]:
    query = {"period": period.value}
    if period == Period.custom:
        query |= {"from": start.isoformat() if start else "", "to": end.isoformat() if end else ""}
    if category:
        query["category"] = category
    return query


@insights_web_router.get("/admin/stats", response_class=HTMLResponse)
def stats_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    period: Period = Period.month,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    if viewer.user is None:
        return login_first("/admin/stats")
    perms.require_moderator(viewer)
    # The charts' texts are made here, before render() sets the page's language.
    i18n.set_locale(i18n.pick_locale(request))
    board = boards.get_category(session, viewer, category) if category else None
    context: dict[str, object] = {
        "periods": PERIODS,
        "period": period.value,
        "start": start,
        "end": end,
        "category": board,
        "categories": boards.list_categories(session, viewer),
        "hours": _hours,
        "percent": _percent,
        "histogram_labels": HISTOGRAM_LABELS,
    }
    try:
        window = insights.resolve_window(period, start, end)
    except InvalidInput as exc:
        return form_error(request, session, "admin_stats.html", context, exc)
    stats = insights.dashboard(session, viewer, window, category=board)
    query = _query(period, start, end, category)
    return render(
        request,
        "admin_stats.html",
        {
            **context,
            "stats": stats,
            "last_day": stats.end - timedelta(days=1),
            "charts": _charts(stats),
            "comments": insights_satisfaction.satisfaction_comments(
                session, viewer, window, category=board
            ),
            "csv_query": query,
            "ideas": idea_figures(session, viewer, window.start, window.end, board),
            "idea_statuses": STATUS_LABELS,
        },
    )


@insights_web_router.get("/admin/stats.csv")
def stats_csv(
    session: SessionDep,
    viewer: WebViewer,
    period: Period = Period.month,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    perms.require_moderator(viewer)
    window = insights.resolve_window(period, start, end)
    board = boards.get_category(session, viewer, category) if category else None
    stats = insights.dashboard(session, viewer, window, category=board)
    ideas = idea_figures(session, viewer, window.start, window.end, board)
    name = export.filename(stats, i18n.locale_of(viewer.user))
    return Response(
        export.as_csv(stats, ideas),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@insights_web_router.post("/t/{thread_id}/satisfaction")
def rate(
    thread_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    rating: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[CleanStr, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    # Rated already (in a second tab): the thread page shows the rating given.
    with suppress(Conflict):
        insights_satisfaction.rate_solution(
            session, viewer, thread_id, rating=rating, comment=comment
        )
    thread = forum.get_thread(session, viewer, thread_id)
    return see_other(f"/t/{thread.id}/{thread.slug}#satisfaction")
