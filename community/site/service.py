from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, select
from sqlmodel import Session, col

from community.clock import utcnow
from community.site.models import SiteSetting

# A page reads several settings (the footer's legal links, the rank ladder, whether staff
# names show): remember_all loads every row in one statement at the page's first read
# and get_value answers from it until the transaction ends or a setting is set. The rows
# are few and small. Sessions that never called it (workers, the command line) read each
# setting as before.
_MEMO = "site_settings"
# Written without a new version of the pages (jobs/heartbeat.py): never answered from the
# copy shared between requests.
_UNVERSIONED = frozenset({"worker.heartbeat"})

# The rows as a page read them last, shared by the process's requests (issue 21): the
# version of the pages it was read under (community/pageversion.py), the rows, and when.
# Every write of a setting through a session gives the pages a new version in its own
# transaction, so a request that reads the version first and finds this one may take
# these rows, which were read after the same version was read. The rows are never
# changed in place (the callers read them), and age out as the page cache's do.
_shared: tuple[int, dict[str, Any], float] | None = None


def remember_all(session: Session, version: int | None = None, max_age: float = 0.0) -> None:
    """`version`: the version of the pages this request read before any setting; with it
    the rows may come from the last request's read under the same version."""
    global _shared
    if _MEMO in session.info:
        return
    shared = _shared
    if (
        version is not None
        and shared is not None
        and shared[0] == version
        and shared[2] > time.monotonic() - max_age
    ):
        session.info[_MEMO] = shared[1]
        return
    rows = session.execute(select(col(SiteSetting.key), col(SiteSetting.value))).all()
    memo = dict(rows)  # a list of rows: pairs
    session.info[_MEMO] = memo
    if version is not None and max_age > 0:
        _shared = (version, memo, time.monotonic())


def forget_shared() -> None:
    """For tests that put another database's rows under a version seen before."""
    global _shared
    _shared = None


def get_value(session: Session, key: str) -> Any | None:
    memo: dict[str, Any] | None = session.info.get(_MEMO)
    if memo is not None and key not in _UNVERSIONED:
        return memo.get(key)
    row = session.get(SiteSetting, key)
    return row.value if row is not None else None


def set_value(session: Session, key: str, value: Any) -> None:
    session.info.pop(_MEMO, None)
    row = session.get(SiteSetting, key)
    if row is None:
        session.add(SiteSetting(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()
        session.add(row)
    session.flush()


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, _transaction: Any) -> None:
    session.info.pop(_MEMO, None)
