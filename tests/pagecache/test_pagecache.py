"""The page cache of anonymous readers (community/web/pagecache.py): each change a public
page shows is on it at the next request, a closed board's or a member's page is never
served from it nor kept in it, and its validators answer 304."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert

from community import pageversion
from community.accounts.models import Role
from community.clock import utcnow
from community.forum.models import CategoryGroup
from community.jobs import heartbeat
from community.site.models import SiteSetting
from community.web.pagecache import PageStore
from tests.factories import make_category, make_group, make_thread, make_user
from tests.pagecache.conftest import Scene
from tests.pagecache.helpers import as_member


def _store(app: FastAPI) -> PageStore:
    store: PageStore = app.state.page_cache
    return store


def _cached(app: FastAPI, path: str) -> bool:
    return any(key[0] == path for key in _store(app)._entries)


def _served_twice(anon: TestClient, app: FastAPI, path: str) -> str:
    """The page as a visitor sees it, once rendered and kept, once from the cache."""
    first = anon.get(path)
    assert first.status_code == 200, first.text
    assert _cached(app, path)
    second = anon.get(path)
    assert second.status_code == 200
    assert second.headers["etag"] == first.headers["etag"]
    return second.text


def test_a_visitor_is_served_the_kept_page(anon, app, scene: Scene, engine) -> None:
    text = _served_twice(anon, app, scene.path)
    assert "Unter Einstellungen, Mobilfunk." in text
    # Proof that the second answer came from the cache: a write that bypasses the session
    # events (as a bare connection would) is not on it.
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE posts SET body = 'Anders.', body_html = '<p>Anders.</p>' "
            f"WHERE id = {scene.reply.id}"
        )
    assert "Unter Einstellungen, Mobilfunk." in anon.get(scene.path).text


def test_a_hidden_and_a_restored_reply(anon, app, make_client, scene: Scene) -> None:
    assert "Unter Einstellungen" in _served_twice(anon, app, scene.path)
    moderator = as_member(make_client, scene.moderator)
    hide = f"/api/v1/moderation/posts/{scene.reply.id}/hide"
    assert moderator.post(hide, json={"reason": "Spam"}).status_code == 204
    assert "Unter Einstellungen" not in anon.get(scene.path).text
    restore = f"/api/v1/moderation/posts/{scene.reply.id}/restore"
    assert moderator.post(restore, json={}).status_code == 204
    assert "Unter Einstellungen" in anon.get(scene.path).text


def test_an_edit_by_the_author_and_by_the_moderation(anon, app, make_client, scene) -> None:
    _served_twice(anon, app, scene.path)
    helper = as_member(make_client, scene.helper)
    edited = helper.patch(f"/api/v1/posts/{scene.reply.id}", json={"body": "Unter WLAN-Call."})
    assert edited.status_code == 200, edited.text
    assert "Unter WLAN-Call." in anon.get(scene.path).text
    moderator = as_member(make_client, scene.moderator)
    moderated = moderator.post(
        f"/api/v1/moderation/posts/{scene.reply.id}/edit",
        json={"body": "Unter Netz und Internet.", "reason": "Tippfehler"},
    )
    assert moderated.status_code == 204, moderated.text
    assert "Unter Netz und Internet." in anon.get(scene.path).text


def test_a_deleted_reply(anon, app, make_client, scene: Scene) -> None:
    _served_twice(anon, app, scene.path)
    helper = as_member(make_client, scene.helper)
    assert helper.delete(f"/api/v1/posts/{scene.reply.id}").status_code == 204
    assert "Unter Einstellungen" not in anon.get(scene.path).text


def test_a_new_reply_on_the_thread_board_and_start_page(anon, app, make_client, scene) -> None:
    for path in (scene.path, "/c/mobilfunk", "/"):
        _served_twice(anon, app, path)
    before = {path: anon.get(path).text for path in ("/c/mobilfunk", "/")}
    helper = as_member(make_client, scene.helper)
    created = helper.post(
        f"/api/v1/threads/{scene.thread.id}/posts", json={"body": "Und danach neu starten."}
    )
    assert created.status_code == 201, created.text
    assert "Und danach neu starten." in anon.get(scene.path).text
    for path, text in before.items():  # reply counts and the last poster changed
        assert anon.get(path).text != text


def test_an_approved_reply(anon, app, db, make_client, scene: Scene) -> None:
    scene.board.premoderated = True
    db.commit()
    helper = as_member(make_client, scene.helper)
    held = helper.post(
        f"/api/v1/threads/{scene.thread.id}/posts", json={"body": "Erst nach Freigabe."}
    )
    assert held.status_code == 201, held.text
    assert "Erst nach Freigabe." not in _served_twice(anon, app, scene.path)
    moderator = as_member(make_client, scene.moderator)
    approve = f"/api/v1/moderation/posts/{held.json()['id']}/approve"
    assert moderator.post(approve, json={}).status_code == 204
    assert "Erst nach Freigabe." in anon.get(scene.path).text


def test_a_new_thread_on_the_board_and_start_page(anon, app, db, scene: Scene) -> None:
    for path in ("/c/mobilfunk", "/"):
        _served_twice(anon, app, path)
    make_thread(db, author=scene.helper, category=scene.board, title="eSIM auf der Uhr")
    assert "eSIM auf der Uhr" in anon.get("/c/mobilfunk").text
    assert "eSIM auf der Uhr" in anon.get("/").text


def test_kudos(anon, app, make_client, scene: Scene) -> None:
    assert "♥ 0" in _served_twice(anon, app, scene.path)
    author = as_member(make_client, scene.author)
    assert author.post(f"/api/v1/posts/{scene.reply.id}/kudos").status_code == 200
    assert "♥ 1" in anon.get(scene.path).text


def test_an_accepted_answer(anon, app, make_client, scene: Scene) -> None:
    assert "solution-box" not in _served_twice(anon, app, scene.path)
    author = as_member(make_client, scene.author)
    accepted = author.put(
        f"/api/v1/threads/{scene.thread.id}/solution", json={"post_id": scene.reply.id}
    )
    assert accepted.status_code == 200, accepted.text
    assert "solution-box" in anon.get(scene.path).text


def test_a_thread_moved_into_a_closed_board_is_gone(anon, app, db, make_client, scene) -> None:
    _served_twice(anon, app, scene.path)
    assert "Wie stelle ich VoLTE ein" in _served_twice(anon, app, "/c/mobilfunk")
    make_category(db, slug="grosskunden", groups=[make_group(db)])
    moderator = as_member(make_client, scene.moderator)
    moved = moderator.post(
        f"/api/v1/moderation/threads/{scene.thread.id}/move", json={"category": "grosskunden"}
    )
    assert moved.status_code == 204, moved.text
    assert anon.get(scene.path).status_code == 404
    assert "Wie stelle ich VoLTE ein" not in anon.get("/c/mobilfunk").text
    assert "Wie stelle ich VoLTE ein" not in anon.get("/").text
    assert not _cached(app, scene.path)


def test_a_public_board_made_closed_is_gone(anon, app, db, scene: Scene) -> None:
    for path in (scene.path, "/c/mobilfunk", "/"):
        _served_twice(anon, app, path)
    group = make_group(db)
    db.add(CategoryGroup(category_id=scene.board.id, group_id=group.id))
    db.commit()
    assert anon.get(scene.path).status_code == 404
    assert anon.get("/c/mobilfunk").status_code == 404
    assert "Wie stelle ich VoLTE ein" not in anon.get("/").text


def test_a_renamed_board(anon, app, db, scene: Scene) -> None:
    assert "Mobilfunk" in _served_twice(anon, app, "/")
    scene.board.name = "Mobil und Netz"
    db.commit()
    assert "Mobil und Netz" in anon.get("/").text
    assert "Mobil und Netz" in anon.get(scene.path).text


def test_a_new_rank_name(anon, app, make_client, db, scene: Scene) -> None:
    assert "Profi-Helfer" not in _served_twice(anon, app, scene.path)
    admin = as_member(make_client, make_user(db, role=Role.admin, staff=True))
    ladder = admin.get("/api/v1/ranks").json()
    for step in ladder["steps"]:
        step["name_de"] = "Profi-Helfer"
    assert admin.put("/api/v1/admin/ranks", json=ladder).status_code == 200
    assert "Profi-Helfer" in anon.get(scene.path).text


def test_a_members_rank_by_points(anon, app, db, scene: Scene) -> None:
    """A change made through any session, not only a request's: here the rank column."""
    _served_twice(anon, app, scene.path)
    scene.helper.rank = "expert"
    scene.helper.points = 5000
    db.commit()
    page = anon.get(scene.path).text
    assert "Experte" in page or "Expert" in page


def test_a_new_nickname_and_avatar(anon, app, make_client, db, scene: Scene) -> None:
    assert "Helferlein" in _served_twice(anon, app, scene.path)
    helper = as_member(make_client, scene.helper)
    assert helper.patch("/api/v1/me", json={"nickname": "Netzwerkerin"}).status_code == 200
    page = anon.get(scene.path).text
    assert "Netzwerkerin" in page and "Helferlein" not in page
    scene.helper.avatar_key = "abcdef0123456789"
    db.commit()
    assert "abcdef0123456789" in anon.get(scene.path).text


def test_the_footers_legal_link(anon, app, make_client, db, scene: Scene) -> None:
    _served_twice(anon, app, "/")
    admin = as_member(make_client, make_user(db, role=Role.admin, staff=True))
    response = admin.post(
        "/admin/legal/impressum",
        data={
            "csrf_token": admin.headers["X-CSRF-Token"],
            "markdown": "",
            "url": "https://example.com/impressum",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert "https://example.com/impressum" in anon.get("/").text


def test_the_start_pages_spotlight(anon, app, make_client, db, scene: Scene) -> None:
    from datetime import timedelta

    from community.blog.models import Spotlight
    from community.clock import utcnow

    assert "Tarifwechsel ohne Wartezeit" not in _served_twice(anon, app, "/")
    db.add(
        Spotlight(
            title="Tarifwechsel ohne Wartezeit",
            text="Bis Monatsende.",
            starts_at=utcnow() - timedelta(hours=1),
            ends_at=utcnow() + timedelta(days=3),
        )
    )
    db.commit()
    assert "Tarifwechsel ohne Wartezeit" in anon.get("/").text


def test_reading_leaves_the_cache_alone(app, make_client, engine, scene: Scene) -> None:
    """Read marks, sessions and view counts are not on a public page: a member reading a
    thread (and the batched views being written) keeps every visitor's cached page."""
    before = pageversion.current(engine)
    member = as_member(make_client, scene.helper)
    assert member.get(scene.path).status_code == 200
    assert member.get("/c/mobilfunk").status_code == 200
    app.state.views.add(scene.thread.id)
    app.state.views.flush(engine)
    # Nor does the job worker's heartbeat, a row among the site settings, every 10 s.
    heartbeat.beat(engine, "worker-1")
    heartbeat.beat(engine, "worker-1")
    assert pageversion.current(engine) == before


# ---- never for a member or a closed board ---------------------------------------------------


def test_a_closed_boards_thread_is_never_kept(anon, app, make_client, db) -> None:
    insider = make_user(db, nickname="Insiderin")
    closed = make_category(db, slug="grosskunden", groups=[make_group(db, members=[insider])])
    thread = make_thread(db, author=insider, category=closed, title="Rahmenvertrag 2027")
    path = f"/t/{thread.id}/{thread.slug}"
    member = as_member(make_client, insider)
    for _ in range(2):
        page = member.get(path)
        assert page.status_code == 200 and "Rahmenvertrag 2027" in page.text
        assert "etag" not in page.headers
        board = member.get("/c/grosskunden")
        assert board.status_code == 200
    assert len(_store(app)) == 0
    for _ in range(2):
        assert anon.get(path).status_code == 404
        assert anon.get("/c/grosskunden").status_code == 404
    assert "Rahmenvertrag 2027" not in anon.get("/").text
    assert not any("Rahmenvertrag" in b"".join(e.parts).decode() for e in _entries(app))


def _entries(app: FastAPI) -> list[Any]:
    return list(_store(app)._entries.values())


def test_a_members_view_is_neither_served_from_nor_kept(anon, app, make_client, scene) -> None:
    _served_twice(anon, app, scene.path)
    kept = len(_store(app))
    member = as_member(make_client, scene.helper)
    page = member.get(scene.path)
    assert page.status_code == 200
    assert 'class="me">Helferlein<' in page.text  # the member's own header
    assert "etag" not in page.headers
    assert len(_store(app)) == kept
    # And the visitor's page does not carry the member's header.
    assert 'class="me"' not in anon.get(scene.path).text


def test_a_flash_or_a_fragment_is_not_kept(anon, app, scene: Scene) -> None:
    anon.cookies.set("flash", "saved")
    assert anon.get(scene.path).status_code == 200
    anon.cookies.delete("flash")
    assert anon.get(scene.path, headers={"HX-Request": "true"}).status_code == 200
    assert len(_store(app)) == 0


def test_a_made_up_query_is_not_kept(anon, app, scene: Scene) -> None:
    assert anon.get("/c/mobilfunk?utm_source=x").status_code == 200
    assert len(_store(app)) == 0
    assert anon.get("/c/mobilfunk?sort=active").status_code == 200
    assert len(_store(app)) == 1


# ---- per visitor: language, CSRF token, validators, views --------------------------------


def test_each_language_its_own_page(anon, app, scene: Scene) -> None:
    german = _served_twice(anon, app, "/")
    assert '<html lang="de">' in german
    english = anon.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.text
    assert '<html lang="en">' in anon.get("/", headers={"Accept-Language": "en"}).text
    assert '<html lang="de">' in anon.get("/").text


def test_a_repeated_language_header_cannot_plant_a_page(anon, app, make_client, scene) -> None:
    both = [("Accept-Language", "en"), ("Accept-Language", "de")]
    assert anon.get("/", headers=both).status_code == 200
    assert '<html lang="de">' in make_client().get("/", headers={"Accept-Language": "de"}).text
    assert '<html lang="en">' in make_client().get("/", headers={"Accept-Language": "en"}).text


def test_each_visitor_gets_their_own_csrf_token(app, make_client, scene: Scene) -> None:
    first, second = make_client(), make_client()
    first_page = first.get(scene.path)
    second_page = second.get(scene.path)  # from the cache
    first_token = first.cookies.get("community_csrf")
    second_token = second.cookies.get("community_csrf")
    assert first_token and second_token and first_token != second_token
    assert f'value="{first_token}"' in first_page.text
    assert f'value="{second_token}"' in second_page.text
    assert first_token not in second_page.text
    # The cached page's cookie is the one a rendered page sets, but for the token.
    made = first_page.headers["set-cookie"].replace(first_token, "TOKEN")
    assert second_page.headers["set-cookie"].replace(second_token, "TOKEN") == made
    # A visitor with a token keeps it, on a cached page and on a fresh one.
    again = second.get(scene.path)
    assert "set-cookie" not in again.headers
    assert f'value="{second_token}"' in again.text
    switched = second.post(
        "/language",
        data={"csrf_token": second_token, "locale": "en", "next": scene.path},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    assert '<html lang="en">' in second.get(scene.path).text


def test_an_unchanged_page_answers_304(anon, app, make_client, scene: Scene) -> None:
    page = anon.get(scene.path)
    etag = page.headers["etag"]
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["last-modified"]
    unchanged = anon.get(scene.path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    author = as_member(make_client, scene.author)
    assert author.post(f"/api/v1/posts/{scene.reply.id}/kudos").status_code == 200
    changed = anon.get(scene.path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    # Another visitor's tag is not this one's: the page carries the visitor's token.
    other = make_client()
    theirs = other.get(scene.path, headers={"If-None-Match": changed.headers["etag"]})
    assert theirs.status_code == 200


def test_a_view_from_the_cache_counts(anon, app, scene: Scene) -> None:
    views = app.state.views
    pending = views._pending[scene.thread.id]
    _served_twice(anon, app, scene.path)
    assert views._pending[scene.thread.id] == pending + 2
    anon.get(scene.path, headers={"User-Agent": "Googlebot/2.1"})
    assert views._pending[scene.thread.id] == pending + 2


def test_the_setting_switches_it_off(engine, db, scene: Scene) -> None:
    from community.app import create_app
    from community.config import get_settings

    settings = get_settings().model_copy(update={"page_cache": False})
    with TestClient(create_app(settings, engine)) as visitor:
        for _ in range(2):
            page = visitor.get(f"/t/{scene.thread.id}/{scene.thread.slug}")
            assert page.status_code == 200
            assert "etag" not in page.headers
        # Nor are the settings kept (site/service.py): a footer link written past the
        # session events (a bare connection, no new version) is on the next page.
        link = {"url": "https://konzern.example/impressum"}
        with engine.begin() as connection:
            connection.execute(
                insert(SiteSetting).values(key="legal.impressum", value=link, updated_at=utcnow())
            )
        page = visitor.get(f"/t/{scene.thread.id}/{scene.thread.slug}")
        assert 'href="https://konzern.example/impressum"' in page.text


# ---- many at once ---------------------------------------------------------------------------


class _State:
    engine = None

    def __init__(self) -> None:
        from community.forum.reading import ViewCounter

        self.views = ViewCounter()


class _App:
    def __init__(self) -> None:
        self.state = _State()


async def _visit(cache, app: _App, sink) -> None:  # type: ignore[no-untyped-def]
    """One anonymous GET / through the cache; each body part goes to `sink`."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [(b"accept-language", b"de"), (b"user-agent", b"Firefox")],
        "app": app,
    }

    async def send(message) -> None:  # type: ignore[no-untyped-def]
        if message["type"] == "http.response.body":
            sink(message["body"])

    await cache(scope, lambda: None, send)


def test_visitors_arriving_together_wait_for_one_rendering(monkeypatch, settings) -> None:
    """After a change, the connections reading a busy page miss together: one renders it,
    the others are served its page."""
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    from community.accounts.viewer import ANONYMOUS
    from community.web.pagecache import Mark, PageCache

    monkeypatch.setattr(pageversion, "current", lambda _engine: 7)
    renders = 0

    async def route(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        nonlocal renders
        renders += 1
        await anyio.sleep(0.2)
        scope["state"].update(page_cache=Mark(), viewer=ANONYMOUS, new_csrf="t" * 43)
        body = b'<input name="csrf_token" value="' + b"t" * 43 + b'">'
        headers = [(b"content-type", b"text/html"), (b"content-language", b"de")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    cache = PageCache(route, PageStore(2**20), settings)
    bodies: list[bytes] = []
    app = _App()

    async def visit() -> None:
        await _visit(cache, app, bodies.append)

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(8):
                group.start_soon(visit)

    # In a thread of its own: a browser test before it in this process may leave Playwright's
    # event loop registered in the main thread, where anyio.run refuses to start another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, main).result()
    assert renders == 1
    assert len(bodies) == 8
    tokens = {body.split(b'value="')[1].split(b'"')[0] for body in bodies}
    assert len(tokens) == 8  # each its own token


def test_a_page_past_its_age_is_served_while_one_renders_it_afresh(monkeypatch, settings) -> None:
    """Expired by age alone (the version unchanged): one request renders the page again,
    the others are served the kept one instead of waiting for it."""
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    from community.accounts.viewer import ANONYMOUS
    from community.web.pagecache import Mark, PageCache

    monkeypatch.setattr(pageversion, "current", lambda _engine: 7)
    renders = 0
    finished: list[str] = []

    async def route(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        nonlocal renders
        renders += 1
        number = renders
        if number > 1:
            await anyio.sleep(0.5)
        scope["state"].update(page_cache=Mark(), viewer=ANONYMOUS, new_csrf="t" * 43)
        body = f'<p>{number}</p><input name="csrf_token" value="{"t" * 43}">'.encode()
        headers = [(b"content-type", b"text/html"), (b"content-language", b"de")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    cache = PageCache(route, PageStore(2**20), settings)
    cache.max_age = 0.1
    app = _App()

    async def visit() -> None:
        await _visit(cache, app, lambda body: finished.append(body.split(b"</p>")[0].decode()))

    async def main() -> None:
        await visit()  # rendered and kept
        await anyio.sleep(0.2)  # past its age
        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(visit)
        await visit()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, main).result()
    assert renders == 2
    # The five others had the kept page before the new rendering was done; then the new one.
    assert finished == ["<p>1", *["<p>1"] * 5, "<p>2", "<p>2"]
