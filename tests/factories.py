"""Keyword-only factories. They write through the services where the rules matter and
commit, so the application under test sees the data."""

from __future__ import annotations

import itertools
from functools import lru_cache

from fastapi.testclient import TestClient
from sqlalchemy.orm import object_session
from sqlmodel import Session

from community.accounts import security
from community.accounts import service as accounts
from community.accounts.models import Group, Role, User
from community.accounts.viewer import viewer_for
from community.auth import session_csrf_token
from community.clock import utcnow
from community.config import get_settings
from community.forum import service as forum
from community.forum.models import Category, CategoryGroup, Post, Thread, ThreadKind

PASSWORD = "ein-sehr-sicheres-Passwort"
_counter = itertools.count(1)


@lru_cache
def _password_hash() -> str:
    # Hashing with argon2 for every test user would dominate the suite's run time.
    return security.hash_password(PASSWORD)


def make_user(
    db: Session,
    *,
    nickname: str | None = None,
    email: str | None = None,
    role: Role = Role.member,
    staff: bool = False,
    verified: bool = True,
    real_name: str | None = None,
    company: str | None = None,
    locale: str = "de",
) -> User:
    n = next(_counter)
    nickname = nickname or f"Mitglied{n}"
    user = User(
        email=(email or f"user{n}@example.com").lower(),
        nickname=nickname,
        nickname_key=nickname.casefold(),
        password_hash=_password_hash(),
        role=role.value,
        is_staff=staff,
        email_verified_at=utcnow() if verified else None,
        real_name=real_name,
        company=company,
        locale=locale,
    )
    db.add(user)
    db.commit()
    return user


def make_group(db: Session, *, slug: str | None = None, members: list[User] = ()) -> Group:  # type: ignore[assignment]
    n = next(_counter)
    group = accounts.create_group(db, slug=slug or f"gruppe-{n}", name=f"Gruppe {n}")
    for user in members:
        accounts.add_member(db, group, user)
    db.commit()
    return group


def make_category(
    db: Session,
    *,
    slug: str | None = None,
    name: str | None = None,
    groups: list[Group] = (),  # type: ignore[assignment]
) -> Category:
    n = next(_counter)
    category = Category(slug=slug or f"bereich-{n}", name=name or f"Bereich {n}", position=n)
    db.add(category)
    db.flush()
    for group in groups:
        assert category.id is not None and group.id is not None
        db.add(CategoryGroup(category_id=category.id, group_id=group.id))
    db.commit()
    return category


def make_thread(
    db: Session,
    *,
    author: User,
    category: Category,
    title: str | None = None,
    body: str = "Wie richte ich das ein? Danke für jede Hilfe.",
    kind: ThreadKind = ThreadKind.question,
) -> Thread:
    thread, _post = forum.create_thread(
        db,
        viewer_for(db, author),
        category_slug=category.slug,
        kind=kind,
        title=title or f"Eine Frage Nummer {next(_counter)}",
        body=body,
    )
    db.commit()
    return thread


def make_reply(db: Session, *, author: User, thread: Thread, body: str = "Das geht so.") -> Post:
    assert thread.id is not None
    post = forum.create_reply(db, viewer_for(db, author), thread.id, body)
    db.commit()
    return post


def login(client: TestClient, user: User, password: str = PASSWORD) -> str:
    """Sign in through the API; the CSRF header is set for the following writes."""
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": password})
    assert response.status_code == 200, response.text
    token = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


def sign_in(client: TestClient, user: User) -> str:
    """Sign in without the login request: a session row for `user` and the cookies a login
    leaves (session, CSRF), with the CSRF header set for the following writes. For every
    test that is not about logging in; those use `login`."""
    db = object_session(user)
    assert isinstance(db, Session), "sign_in needs a user loaded in the test's session"
    raw = accounts.start_session(db, user)
    db.commit()
    settings = get_settings()
    # Where the client keeps the cookies the app sets ("testserver" becomes "testserver.local").
    host = client.base_url.host
    domain = host if "." in host else f"{host}.local"
    # While signed in, the CSRF token is the session's own (community/auth.py).
    token = session_csrf_token(raw)
    client.cookies.set(settings.session_cookie, raw, domain=domain, path="/")
    client.cookies.set(settings.csrf_cookie, token, domain=domain, path="/")
    client.headers["X-CSRF-Token"] = token
    return token
