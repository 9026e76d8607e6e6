"""A member's profile page and the leaderboard page show the same solutions and kudos, for a
visitor and for a member of the closed board's group, on the demo's content; the profile's
latest posts are newest first."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from community.accounts.models import GroupMember, User
from community.demo import seed_demo_content
from tests.factories import sign_in

ROW = re.compile(
    r'<tr><td class="num">\d+</td><td><a class="nick" href="/u/[^"]+"><bdi>([^<]+)</bdi></a>'
    r'.*?</td><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>',
    re.S,
)


def _profile_figures(page: str) -> tuple[int, int]:
    found = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page))
    return int(found["Lösungen"]), int(found["Kudos erhalten"])


def _check_agreement(client: TestClient) -> int:
    board = client.get("/leaderboard?period=all").text
    rows = ROW.findall(board)
    assert len(rows) >= 5
    for nickname, solutions, kudos in rows:
        profile = client.get(f"/u/{nickname}").text
        assert _profile_figures(profile) == (int(solutions), int(kudos)), nickname
    return len(rows)


def test_profile_and_leaderboard_agree_and_latest_posts_are_newest_first(
    engine: Engine, db: Session, client: TestClient, anon: TestClient
) -> None:
    seed_demo_content(engine, threads=60)
    _check_agreement(anon)
    insider_id = db.execute(select(col(GroupMember.user_id))).scalars().first()
    insider = db.get(User, insider_id)
    assert insider is not None
    sign_in(client, insider)
    _check_agreement(client)

    for user in db.execute(select(User)).scalars():
        page = anon.get(f"/u/{user.nickname}").text
        latest = page.split("<h2>Neueste Beiträge</h2>", 1)[1].split("</ul>", 1)[0]
        shown = [datetime.fromisoformat(t) for t in re.findall(r'datetime="([^"]+)"', latest)]
        assert shown == sorted(shown, reverse=True), user.nickname
