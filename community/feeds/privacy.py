"""An erased member's feed token goes with the account."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col

from community.feeds.models import FeedToken
from community.privacy.erasure import Erasure, erasure_step


@erasure_step
def forget_feed_token(session: Session, erasure: Erasure) -> None:
    session.execute(delete(FeedToken).where(col(FeedToken.user_id) == erasure.user.id))
