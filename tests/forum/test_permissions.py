"""Who sees which thread: the per-object check, the list filter and every surface agree.

A small world of boards, groups and viewers; a thread the viewer may not see answers
404 everywhere, exactly like a thread that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlmodel import Session

from community.accounts.models import GroupMember, Role, User
from community.accounts.viewer import ANONYMOUS, Viewer, viewer_for
from community.errors import NotFound
from community.faq import service as faq
from community.faq.models import FaqEntry
from community.forum import service as forum
from community.forum.models import Category, CategoryGroup, Thread
from community.forum.permissions import (
    can_see_thread,
    category_group_ids,
    sees_as_visitor,
    sees_thread_as_visitor,
    visible_threads_filter,
)
from tests.factories import (
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)

VIEWERS = (
    "anonymous",
    "outsider",
    "member_a",
    "member_b",
    "member_ab",
    "staff_no_group",
    "moderator",
    "admin",
)
THREADS = ("public", "closed_a", "closed_b", "hidden", "deleted")

# Who may see what, written out by hand: the rules as a reader of DESIGN.md expects them.
EXPECTED: dict[str, set[str]] = {
    "public": set(VIEWERS),
    "closed_a": {"member_a", "member_ab", "moderator", "admin"},
    "closed_b": {"member_b", "member_ab", "moderator", "admin"},
    # Hidden by the moderation: its author still sees it, nobody else below moderator.
    "hidden": {"outsider", "moderator", "admin"},
    # Deleted: gone even for its author.
    "deleted": {"moderator", "admin"},
}


@dataclass
class World:
    users: dict[str, User]
    threads: dict[str, Thread]
    boards: dict[str, Category]

    def viewer(self, db: Session, name: str) -> Viewer:
        if name == "anonymous":
            return ANONYMOUS
        return viewer_for(db, self.users[name])


@dataclass(frozen=True)
class WorldIds:
    users: dict[str, int]
    threads: dict[str, int]
    boards: dict[str, int]


@pytest.fixture(scope="module")
def world_ids(module_db: Session) -> WorldIds:
    """Built once per module and database (every test here reads it; what a test changes is
    rolled back to its savepoint, see `module_db`)."""
    world = _build_world(module_db)
    module_db.close()
    return WorldIds(
        users={name: user.id for name, user in world.users.items()},  # type: ignore[misc]
        threads={name: thread.id for name, thread in world.threads.items()},  # type: ignore[misc]
        boards={name: board.id for name, board in world.boards.items()},  # type: ignore[misc]
    )


@pytest.fixture
def world(db: Session, world_ids: WorldIds) -> World:
    """The module's world, loaded into this test's session."""

    def load(model, ids):  # type: ignore[no-untyped-def]
        return {name: db.get(model, id_) for name, id_ in ids.items()}

    return World(
        users=load(User, world_ids.users),
        threads=load(Thread, world_ids.threads),
        boards=load(Category, world_ids.boards),
    )


def _build_world(db: Session) -> World:
    outsider = make_user(db, nickname="Aussenstehend")
    member_a = make_user(db, nickname="NurA")
    member_b = make_user(db, nickname="NurB")
    member_ab = make_user(db, nickname="BeideGruppen")
    staff = make_user(db, nickname="TeamOhneGruppe", staff=True)
    moderator = make_user(db, nickname="Moderatorin", role=Role.moderator)
    admin = make_user(db, nickname="Verwalterin", role=Role.admin)
    group_a = make_group(db, slug="grosskunden-a", members=[member_a, member_ab])
    group_b = make_group(db, slug="grosskunden-b", members=[member_b, member_ab])
    public = make_category(db, slug="oeffentlich", name="Öffentlich")
    closed_a = make_category(db, slug="geschlossen-a", name="Geschlossen A", groups=[group_a])
    closed_b = make_category(db, slug="geschlossen-b", name="Geschlossen B", groups=[group_b])

    threads = {
        "public": make_thread(
            db, author=outsider, category=public, title="Öffentliche Frage zum Router"
        ),
        "closed_a": make_thread(
            db, author=member_a, category=closed_a, title="Vertrauliche Frage in Gruppe A"
        ),
        "closed_b": make_thread(
            db, author=member_b, category=closed_b, title="Vertrauliche Frage in Gruppe B"
        ),
        "hidden": make_thread(
            db, author=outsider, category=public, title="Ausgeblendete Frage von jemandem"
        ),
        "deleted": make_thread(
            db, author=outsider, category=public, title="Gelöschte Frage von jemandem"
        ),
    }
    for name in ("closed_a", "closed_b"):
        make_reply(db, author=member_ab, thread=threads[name], body="Antwort im geschlossenen")
    threads["hidden"].is_hidden = True
    db.add(threads["hidden"])
    db.commit()
    opening = forum.opening_post(db, threads["deleted"])
    assert opening.id is not None
    forum.delete_post(db, viewer_for(db, outsider), opening.id)
    db.commit()
    db.refresh(threads["deleted"])
    assert threads["deleted"].is_deleted

    users = {
        "outsider": outsider,
        "member_a": member_a,
        "member_b": member_b,
        "member_ab": member_ab,
        "staff_no_group": staff,
        "moderator": moderator,
        "admin": admin,
    }
    boards = {"public": public, "closed_a": closed_a, "closed_b": closed_b}
    return World(users=users, threads=threads, boards=boards)


def _listed_ids(db: Session, viewer: Viewer) -> set[int]:
    return set(db.execute(select(Thread.id).where(visible_threads_filter(viewer))).scalars())


def test_check_and_list_filter_agree_for_every_viewer_and_thread(db, world):
    disagreements = []
    for viewer_name in VIEWERS:
        viewer = world.viewer(db, viewer_name)
        listed = _listed_ids(db, viewer)
        for thread_name, thread in world.threads.items():
            check = can_see_thread(db, viewer, thread)
            if check != (thread.id in listed):
                disagreements.append((viewer_name, thread_name, check))
    assert disagreements == []


def test_who_sees_which_thread_matches_the_rules(db, world):
    actual = {
        thread_name: {
            viewer_name
            for viewer_name in VIEWERS
            if can_see_thread(db, world.viewer(db, viewer_name), thread)
        }
        for thread_name, thread in world.threads.items()
    }
    assert actual == EXPECTED


# Shown what a visitor is shown (the member's thread page then shares the visitor's rows,
# web/threadshare.py): a signed-in member outside the moderation team, staff and every closed
# group, in a thread everyone may see. Written out by hand, as EXPECTED.
AS_VISITOR: dict[str, set[str]] = {
    "public": {"anonymous", "outsider"},
    "closed_a": set(),
    "closed_b": set(),
    "hidden": set(),  # its author sees it; nobody else does
    "deleted": set(),
    "waiting": set(),  # its author sees it; nobody else below moderator does
    "duplicate": set(),  # names its original, which may be in a closed board
}


def test_who_is_shown_a_thread_as_a_visitor_matches_the_rules(db, world):
    public = world.threads["public"]
    waiting = make_thread(db, author=world.users["outsider"], category=world.boards["public"])
    waiting.is_pending = True
    duplicate = make_thread(db, author=world.users["outsider"], category=world.boards["public"])
    duplicate.duplicate_of_thread_id = public.id
    db.add_all([waiting, duplicate])
    db.flush()
    threads = {**world.threads, "waiting": waiting, "duplicate": duplicate}
    actual = {
        thread_name: {
            viewer_name
            for viewer_name in VIEWERS
            if sees_thread_as_visitor(
                world.viewer(db, viewer_name),
                thread,
                board_closed=bool(category_group_ids(db, thread.category_id)),
                own_waiting_post=False,
            )
        }
        for thread_name, thread in threads.items()
    }
    assert actual == AS_VISITOR
    # A waiting post of their own in the thread is listed for them alone.
    outsider = world.viewer(db, "outsider")
    assert not sees_thread_as_visitor(outsider, public, board_closed=False, own_waiting_post=True)


def test_who_is_shown_as_a_visitor_lists_what_a_visitor_lists(db, world):
    """The rule mirrors the list filter: whoever it admits lists the threads a visitor
    lists, and their own hidden ones (counted for them apart). (Staff list them too; their
    name beside their posts is what differs.)"""
    visitor = _listed_ids(db, ANONYMOUS)
    for viewer_name in VIEWERS:
        viewer = world.viewer(db, viewer_name)
        own_hidden = {
            t.id
            for t in world.threads.values()
            if t.is_hidden and not t.is_deleted and t.author_id == viewer.user_id
        }
        if sees_as_visitor(viewer):
            assert _listed_ids(db, viewer) - own_hidden == visitor, viewer_name


def test_non_member_cannot_see_a_closed_board_thread(db, world):
    assert not can_see_thread(db, world.viewer(db, "outsider"), world.threads["closed_a"])
    assert not can_see_thread(db, world.viewer(db, "member_b"), world.threads["closed_a"])
    assert not can_see_thread(db, ANONYMOUS, world.threads["closed_b"])


def test_staff_flag_alone_does_not_open_closed_boards(db, world):
    staff = world.viewer(db, "staff_no_group")
    assert can_see_thread(db, staff, world.threads["public"])
    assert not can_see_thread(db, staff, world.threads["closed_a"])
    assert not can_see_thread(db, staff, world.threads["closed_b"])


def test_moderator_and_admin_see_every_thread(db, world):
    for name in ("moderator", "admin"):
        viewer = world.viewer(db, name)
        assert all(can_see_thread(db, viewer, t) for t in world.threads.values())
        assert _listed_ids(db, viewer) == {t.id for t in world.threads.values()}


def test_member_of_both_groups_sees_both_closed_boards(db, world):
    both = world.viewer(db, "member_ab")
    assert can_see_thread(db, both, world.threads["closed_a"])
    assert can_see_thread(db, both, world.threads["closed_b"])


def test_author_still_sees_own_hidden_thread_but_not_own_deleted_one(db, world):
    author = world.viewer(db, "outsider")
    assert can_see_thread(db, author, world.threads["hidden"])
    assert not can_see_thread(db, author, world.threads["deleted"])
    assert not can_see_thread(db, world.viewer(db, "member_a"), world.threads["hidden"])


# ---- through the API -------------------------------------------------------------------------

_MISSING_ID = 987_654


def _faq_drafts(db: Session, world: World) -> dict[str, FaqEntry]:
    entries = {}
    for name in ("public", "closed_a", "closed_b"):
        thread = world.threads[name]
        entry = FaqEntry(
            thread_id=thread.id,  # type: ignore[arg-type]
            category_id=thread.category_id,
            question_title=thread.title,
            question_text="Frage",
            answer_text="Antwort",
        )
        db.add(entry)
        entries[name] = entry
    db.commit()
    return entries


# Curators: experts see FAQ entries exactly where they see the thread.
FAQ_EXPECTED = {
    "expert_no_group": {"public"},
    "expert_a": {"public", "closed_a"},
    "moderator": {"public", "closed_a", "closed_b"},
}


def test_faq_curation_check_and_list_agree_with_board_visibility(db, world):
    entries = _faq_drafts(db, world)
    world.users["expert_no_group"] = make_user(db, nickname="ExperteOhne", role=Role.expert)
    expert_a = make_user(db, nickname="ExperteA", role=Role.expert)
    group_a = world.boards["closed_a"]
    group_id = db.execute(
        select(CategoryGroup.group_id).where(CategoryGroup.category_id == group_a.id)
    ).scalar_one()
    db.add(GroupMember(group_id=group_id, user_id=expert_a.id))
    db.commit()
    world.users["expert_a"] = expert_a
    for who, expected in FAQ_EXPECTED.items():
        viewer = world.viewer(db, who)
        listed = {e.id for e in faq.list_for_curation(db, viewer)}
        reachable = set()
        for entry in entries.values():
            try:
                faq.get_entry(db, viewer, entry.id)  # type: ignore[arg-type]
                reachable.add(entry.id)
            except NotFound:
                pass
        assert listed == reachable == {entries[n].id for n in expected}, who


def test_expert_outside_the_groups_cannot_curate_a_closed_board_faq_entry(db, world, client):
    entries = _faq_drafts(db, world)
    sign_in(client, make_user(db, nickname="ExperteOhne", role=Role.expert, staff=True))
    closed = entries["closed_a"].id

    listed = client.get("/api/v1/faq/entries")
    assert listed.status_code == 200
    assert [e["id"] for e in listed.json()] == [entries["public"].id]
    edit = client.patch(f"/api/v1/faq/entries/{closed}", json={"answer_text": "Geändert"})
    assert edit.status_code == 404, edit.text
    assert client.post(f"/api/v1/faq/entries/{closed}/publish").status_code == 404
    db.expire_all()
    stored = db.get(FaqEntry, closed)
    assert stored is not None and stored.answer_text == "Antwort" and not stored.live


def _invisible_requests(thread: Thread, reply_id: int, opening_id: int, board_slug: str):
    return [
        ("GET", f"/api/v1/threads/{thread.id}", None),
        ("GET", f"/api/v1/threads/{thread.id}/posts", None),
        ("POST", f"/api/v1/threads/{thread.id}/posts", {"body": "Ich antworte trotzdem."}),
        ("PATCH", f"/api/v1/threads/{thread.id}", {"title": "Ein neuer Titel für das Thema"}),
        ("GET", f"/api/v1/posts/{opening_id}", None),
        ("GET", f"/api/v1/posts/{reply_id}", None),
        ("PATCH", f"/api/v1/posts/{reply_id}", {"body": "Überschrieben"}),
        ("DELETE", f"/api/v1/posts/{reply_id}", None),
        ("GET", f"/api/v1/categories/{board_slug}", None),
        ("GET", f"/api/v1/categories/{board_slug}/threads", None),
    ]


@pytest.mark.parametrize("who", ["outsider", "member_b", "staff_no_group", "anonymous"])
def test_closed_board_thread_answers_404_not_403_through_the_api(db, world, make_client, who):
    thread = world.threads["closed_a"]
    opening = forum.opening_post(db, thread)
    reply = forum.list_posts(db, world.viewer(db, "admin"), thread).items[-1]
    assert reply.id != opening.id
    browser = make_client()
    if who != "anonymous":
        sign_in(browser, world.users[who])
    for method, path, body in _invisible_requests(thread, reply.id, opening.id, "geschlossen-a"):
        response = browser.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] == "not_found", (method, path)


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_a_post_in_a_closed_board_is_indistinguishable_from_a_missing_post(
    db, world, make_client, who
):
    """Else a stranger could list which post ids sit in closed boards."""
    thread = world.threads["closed_a"]
    reply = forum.list_posts(db, world.viewer(db, "admin"), thread).items[-1]
    browser = make_client()
    if who != "anonymous":
        sign_in(browser, world.users[who])
    for method, path, body in [
        ("GET", "/api/v1/posts/{}", None),
        ("POST", "/api/v1/posts/{}/kudos", None),
        ("DELETE", "/api/v1/posts/{}/kudos", None),
        ("POST", "/api/v1/posts/{}/reports", {"reason": "unlawful", "comment": "x"}),
        ("PATCH", "/api/v1/posts/{}", {"body": "Überschrieben"}),
        ("DELETE", "/api/v1/posts/{}", None),
    ]:
        closed = browser.request(method, path.format(reply.id), json=body)
        missing = browser.request(method, path.format(_MISSING_ID), json=body)
        assert closed.status_code == missing.status_code, (method, path)
        assert closed.json() == missing.json(), (method, path)


def test_invisible_thread_is_indistinguishable_from_a_missing_one(db, world, client):
    sign_in(client, world.users["outsider"])
    hidden = client.get(f"/api/v1/threads/{world.threads['closed_a'].id}")
    missing = client.get(f"/api/v1/threads/{_MISSING_ID}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_group_member_reaches_the_same_closed_thread_through_the_api(db, world, client):
    thread = world.threads["closed_a"]
    sign_in(client, world.users["member_a"])
    assert client.get(f"/api/v1/threads/{thread.id}").status_code == 200
    assert client.get(f"/api/v1/threads/{thread.id}/posts").status_code == 200
    assert client.get("/api/v1/categories/geschlossen-a/threads").status_code == 200
    reply = client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Danke, klappt."})
    assert reply.status_code == 201, reply.text


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member_a", "member_ab", "moderator"])
def test_thread_lists_show_exactly_the_visible_threads(db, world, make_client, who):
    browser = make_client()
    if who != "anonymous":
        sign_in(browser, world.users[who])
    listed = {t["id"] for t in browser.get("/api/v1/threads?limit=100").json()["items"]}
    expected = {t.id for name, t in world.threads.items() if who in EXPECTED[name]}
    assert listed == expected


def test_board_list_hides_closed_boards_from_non_members(db, world, make_client):
    outsider = make_client()
    sign_in(outsider, world.users["outsider"])
    member = make_client()
    sign_in(member, world.users["member_a"])
    outsider_boards = {c["slug"] for c in outsider.get("/api/v1/categories").json()["items"]}
    member_boards = {c["slug"] for c in member.get("/api/v1/categories").json()["items"]}
    assert outsider_boards == {"oeffentlich"}
    assert member_boards == {"oeffentlich", "geschlossen-a"}


def test_profile_counts_only_threads_the_viewer_may_see(db, world, make_client):
    outsider = make_client()
    sign_in(outsider, world.users["outsider"])
    member = make_client()
    sign_in(member, world.users["member_a"])
    # member_ab replied in both closed boards; an outsider must not learn of that activity.
    assert outsider.get("/api/v1/users/BeideGruppen").json()["post_count"] == 0
    assert member.get("/api/v1/users/BeideGruppen").json()["post_count"] == 1


# ---- on the web ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_closed_thread_page_is_a_404_page_with_legal_links(db, world, make_client, who):
    browser = make_client()
    if who != "anonymous":
        sign_in(browser, world.users[who])
    thread = world.threads["closed_a"]
    for path in (f"/t/{thread.id}", f"/t/{thread.id}/{thread.slug}", "/c/geschlossen-a"):
        page = browser.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")
        assert thread.title not in page.text
        assert 'href="/impressum"' in page.text
        assert 'href="/datenschutz"' in page.text
        if who != "anonymous":
            assert "Aussenstehend" in page.text  # still shown as signed in


def test_group_member_reads_the_closed_thread_page(db, world, client):
    thread = world.threads["closed_a"]
    sign_in(client, world.users["member_a"])
    page = client.get(f"/t/{thread.id}/{thread.slug}")
    assert page.status_code == 200
    assert thread.title in page.text


def test_web_reply_to_invisible_thread_is_404(db, world, client):
    sign_in(client, world.users["outsider"])
    token = client.headers["X-CSRF-Token"]
    thread = world.threads["closed_a"]
    response = client.post(
        f"/t/{thread.id}/reply",
        data={"csrf_token": token, "body": "Ich bin nicht eingeladen."},
        follow_redirects=False,
    )
    assert response.status_code == 404
    assert forum.list_posts(db, world.viewer(db, "admin"), thread).items[-1].body != (
        "Ich bin nicht eingeladen."
    )


# ---- ideas (community/ideas/) ------------------------------------------------------------


def test_idea_checks_lists_and_votes_agree_with_thread_visibility(db, world):
    from community.forum.models import ThreadKind
    from community.ideas import service as ideas

    group_a = db.execute(
        select(CategoryGroup.group_id).where(
            CategoryGroup.category_id == world.boards["closed_a"].id
        )
    ).scalar_one()
    boards = {}
    for name, groups in (("public", []), ("closed_a", [group_a])):
        board = make_category(db, slug=f"ideen-{name}".replace("_", "-"))
        board.default_kind = ThreadKind.idea.value
        for group_id in groups:
            db.add(CategoryGroup(category_id=board.id, group_id=group_id))
        db.add(board)
        boards[name] = board
    db.commit()
    author = {"public": world.users["outsider"], "closed_a": world.users["member_a"]}
    threads = {
        name: make_thread(db, author=author[name], category=board, title=f"Idee im Bereich {name}")
        for name, board in boards.items()
    }
    expected = {"public": set(VIEWERS), "closed_a": EXPECTED["closed_a"]}
    for viewer_name in VIEWERS:
        viewer = world.viewer(db, viewer_name)
        for name, thread in threads.items():
            sees = can_see_thread(db, viewer, thread)
            assert sees == (viewer_name in expected[name]), (viewer_name, name)
            try:
                ideas.get_idea(db, viewer, thread.id)  # type: ignore[arg-type]
                reachable = True
            except NotFound:
                reachable = False
            try:
                listed = {r.thread.id for r in ideas.list_ideas(db, viewer, boards[name])[0]}
            except NotFound:
                listed = set()
            assert reachable == sees == (thread.id in listed), (viewer_name, name)
            if not sees and viewer_name != "anonymous":
                with pytest.raises(NotFound):
                    ideas.vote(db, viewer, thread.id)  # type: ignore[arg-type]


# ---- blog articles (community/blog/) -----------------------------------------------------


def test_article_check_and_list_filter_agree_with_board_visibility(db, world):
    """Every (viewer, article) pair: only a published, due article shows, and exactly where
    its board shows; the check, the list filter and the blog's list say the same."""
    from datetime import timedelta

    from community.blog import service as blog
    from community.blog.models import Article
    from community.clock import utcnow
    from community.forum.permissions import can_see_article, visible_articles_filter

    author = viewer_for(db, world.users["moderator"])
    reviewer = viewer_for(db, world.users["admin"])
    articles: dict[tuple[str, str], Article] = {}
    for board_name, board in world.boards.items():
        for state in ("draft", "live", "scheduled", "withdrawn"):
            article = blog.create_article(
                db,
                author,
                title=f"Artikel {state} in {board_name}",
                teaser="Anreißer",
                body="Text",
                category_slug=board.slug,
            )
            assert article.id is not None
            if state != "draft":
                blog.submit_for_review(db, author, article.id)
                at = utcnow() + timedelta(days=1) if state == "scheduled" else None
                blog.publish(db, reviewer, article.id, at=at)
            if state == "withdrawn":
                blog.withdraw(db, reviewer, article.id)
            articles[(board_name, state)] = article
    db.commit()

    disagreements = []
    for viewer_name in VIEWERS:
        viewer = world.viewer(db, viewer_name)
        filtered = set(
            db.execute(select(Article.id).where(visible_articles_filter(viewer))).scalars()
        )
        listed = {a.id for a in blog.list_articles(db, viewer, limit=100)}
        for (board_name, state), article in articles.items():
            check = can_see_article(db, viewer, article)
            expected = state == "live" and viewer_name in EXPECTED[board_name]
            if not check == (article.id in filtered) == (article.id in listed) == expected:
                disagreements.append((viewer_name, board_name, state, check))
            if not expected:
                with pytest.raises(NotFound):
                    blog.get_article(db, viewer, article.id)  # type: ignore[arg-type]
    assert disagreements == []
