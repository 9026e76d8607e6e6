"""A report is part of its request's transaction on both databases: rolled back, nothing of
it stays. With a savepoint it did not on SQLite, where a savepoint opened before the
transaction's first write is a transaction of its own, which its release commits."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from community.accounts.viewer import viewer_for
from community.moderation import service as moderation
from community.moderation.models import Report, ReportReason
from tests.factories import make_category, make_reply, make_thread, make_user

pytestmark = pytest.mark.commits  # the real engine, as a request uses it


def test_a_report_rolled_back_with_its_request_leaves_nothing(engine: Engine) -> None:
    with Session(engine) as arrange:
        author, reporter = make_user(arrange), make_user(arrange)
        thread = make_thread(arrange, author=author, category=make_category(arrange))
        post_id = make_reply(arrange, author=author, thread=thread).id
        reporter_id = reporter.id
    with Session(engine) as request:
        viewer = viewer_for(request, request.get(type(reporter), reporter_id))  # type: ignore[arg-type]
        moderation.report_post(
            request,
            viewer,
            post_id,
            reason=ReportReason.spam,
            comment="Werbung",  # type: ignore[arg-type]
        )
        request.rollback()  # something later in the request failed
    with Session(engine) as check:
        assert check.execute(select(func.count()).select_from(Report)).scalar_one() == 0
