"""A member's thread page with the shared store (web/threadshare.py) on and off (off: the
full path, thread_context) under the same database state: the same page, read mark, draft,
watch state and bell."""

from __future__ import annotations

from sqlmodel import col, delete, select

from community.forum.models import Draft, ThreadRead
from community.notifications.models import Notification, ThreadWatch
from community.pagination import encode_cursor
from tests.factories import make_category, make_group, make_reply, make_thread, make_user
from tests.pagecache.conftest import Scene
from tests.pagecache.helpers import as_member


def _render(app, db, client, path, reader, mark, shared: bool):
    db.exec(delete(ThreadRead).where(col(ThreadRead.user_id) == reader.id))  # type: ignore[call-overload]
    if mark is not None:
        db.add(ThreadRead(user_id=reader.id, thread_id=mark[0], last_read_post_id=mark[1]))
    db.commit()
    store = app.state.thread_share
    app.state.post_fragments.clear()
    if not shared:
        app.state.thread_share = None
    try:
        response = client.get(path, follow_redirects=False)
    finally:
        app.state.thread_share = store
    db.expire_all()
    after = db.exec(select(ThreadRead).where(ThreadRead.user_id == reader.id)).all()
    return (
        response.status_code,
        response.headers.get("location"),
        response.text,
        [(r.thread_id, r.last_read_post_id) for r in after],
    )


def test_shared_and_full_paths_agree(app, make_client, db, scene: Scene) -> None:
    reader = scene.reader
    posts = [
        make_reply(db, author=scene.helper, thread=scene.thread, body=f"Schritt {n:03d}.")
        for n in range(120)
    ]
    staff = make_user(db, nickname="anna_support", staff=True, real_name="Anna Krause")
    make_reply(db, author=staff, thread=scene.thread, body="Support hier.")
    # Solution on page 1 (the reply), accepted by the author.
    author = as_member(make_client, scene.author)
    assert (
        author.put(
            f"/api/v1/threads/{scene.thread.id}/solution", json={"post_id": posts[70].id}
        ).status_code
        == 200
    )
    insider = make_user(db, nickname="Insiderin")
    closed = make_category(db, slug="geheim", groups=[make_group(db, members=[insider])])
    secret = make_thread(db, author=insider, category=closed, title="Geheimes Thema")
    db.add(
        Notification(user_id=reader.id, type="reply", key="a", thread_id=scene.thread.id, data={})
    )
    db.add(Notification(user_id=reader.id, type="reply", key="b", thread_id=secret.id, data={}))
    db.add(Notification(user_id=reader.id, type="reply", key="c", data={}))
    db.add(
        Draft(user_id=reader.id, scope=f"thread-{scene.thread.id}", body="Mein Entwurf <b>x</b>")
    )
    db.add(ThreadWatch(user_id=reader.id, thread_id=scene.thread.id, watching=True))
    db.commit()
    client = as_member(make_client, reader)
    tid, slug = scene.thread.id, scene.thread.slug
    base = f"/t/{tid}/{slug}"
    cases = [
        (base, None),
        (base, (tid, posts[10].id)),
        (
            base,
            (tid, posts[47].id),
        ),  # first unread: the 51st post (opening, scene reply, 48 more), first of page 2
        (base, (tid, posts[46].id)),  # first unread: the 50th post, last of page 1
        (base + f"?cursor={encode_cursor(posts[46].id)}", None),  # the page boundary
        (base + f"?cursor={encode_cursor(posts[47].id)}", None),
        (base, (tid, posts[60].id)),
        (base, (tid, posts[119].id)),
        (base + "?page=2", None),
        (base + "?page=3", None),
        (base + "?page=99", None),
        (base + f"?cursor={encode_cursor(posts[55].id)}", None),
        (base + f"?cursor={encode_cursor(10**9)}", None),
        (f"/t/{tid}/falsch", None),
        (f"/t/{tid}", None),
        (f"/t/{tid}/falsch?page=2", None),
        (f"/t/{secret.id}/x", None),
        (f"/t/{10**8}/x", None),
    ]
    bad = []
    for path, mark in cases:
        full = _render(app, db, client, path, reader, mark, shared=False)
        kept1 = _render(app, db, client, path, reader, mark, shared=True)  # builds
        kept2 = _render(app, db, client, path, reader, mark, shared=True)  # from the store
        for name, got in (("build", kept1), ("kept", kept2)):
            if got != full:
                bad.append((path, mark, name, got[:2], full[:2], got[3], full[3]))
                import difflib

                diff = "\n".join(
                    list(
                        difflib.unified_diff(full[2].splitlines(), got[2].splitlines(), lineterm="")
                    )[:30]
                )
                print(path, mark, name, diff)
    assert not bad, bad
    assert len(app.state.thread_share) >= 4  # the thread and its three pages were kept
