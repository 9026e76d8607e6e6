from __future__ import annotations

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


def remember_all(session: Session) -> None:
    if _MEMO not in session.info:
        rows = session.execute(select(col(SiteSetting.key), col(SiteSetting.value))).all()
        session.info[_MEMO] = dict(rows)  # a list of rows: pairs


def get_value(session: Session, key: str) -> Any | None:
    memo: dict[str, Any] | None = session.info.get(_MEMO)
    if memo is not None:
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
