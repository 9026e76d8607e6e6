from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlmodel import Session, col

from community.clock import utcnow
from community.site.models import SiteSetting

# A page reads several settings (the footer's legal links, the rank ladder, whether staff
# names show): the first read of a transaction loads every row in one statement and the
# rest are answered from it. The few rows are small; set_value and the transaction's end
# forget them.
_MEMO = "site_settings"


def _settings(session: Session) -> dict[str, Any]:
    memo: dict[str, Any] | None = session.info.get(_MEMO)
    if memo is None:
        rows = session.execute(select(col(SiteSetting.key), col(SiteSetting.value))).tuples()
        memo = dict(rows.all())
        session.info[_MEMO] = memo
    return memo


def get_value(session: Session, key: str) -> Any | None:
    return _settings(session).get(key)


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
