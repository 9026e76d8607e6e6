"""/api/v1 boards, threads and posts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from community.accounts.models import User
from community.deps import IdPath, SessionDep, ViewerDep
from community.forum import boards as forum_boards
from community.forum import present
from community.forum import service as forum
from community.forum.models import ThreadKind
from community.forum.schemas import (
    CategoriesPublic,
    CategoryPublic,
    PostCreate,
    PostPublic,
    PostsPublic,
    PostUpdate,
    RevisionPublic,
    ThreadCreate,
    ThreadCreated,
    ThreadDetail,
    ThreadsPublic,
    ThreadUpdate,
)

router = APIRouter(tags=["forum"])

Cursor = Annotated[str | None, Query(max_length=200)]
Solved = Annotated[
    Literal["all", "solved", "unsolved"], Query(description="Filter questions by solved state")
]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get("/categories")
def list_categories(session: SessionDep, viewer: ViewerDep) -> CategoriesPublic:
    categories = forum_boards.list_categories(session, viewer)
    return CategoriesPublic(items=present.categories_public(session, viewer, categories))


@router.get("/categories/{slug}")
def get_category(slug: str, session: SessionDep, viewer: ViewerDep) -> CategoryPublic:
    category = forum_boards.get_category(session, viewer, slug)
    return present.categories_public(session, viewer, [category])[0]


@router.get("/categories/{slug}/threads")
def list_category_threads(
    slug: str,
    session: SessionDep,
    viewer: ViewerDep,
    kind: ThreadKind | None = None,
    solved: Solved = "all",
    cursor: Cursor = None,
    limit: Limit = 20,
) -> ThreadsPublic:
    category = forum_boards.get_category(session, viewer, slug)
    page = forum.list_threads(
        session, viewer, category=category, kind=kind, solved=solved, cursor=cursor, limit=limit
    )
    return ThreadsPublic(
        items=present.threads_public(session, viewer, page.items), next_cursor=page.next_cursor
    )


@router.get("/threads")
def list_threads(
    session: SessionDep,
    viewer: ViewerDep,
    kind: ThreadKind | None = None,
    solved: Solved = "all",
    cursor: Cursor = None,
    limit: Limit = 20,
) -> ThreadsPublic:
    page = forum.list_threads(session, viewer, kind=kind, solved=solved, cursor=cursor, limit=limit)
    return ThreadsPublic(
        items=present.threads_public(session, viewer, page.items), next_cursor=page.next_cursor
    )


@router.post("/threads", status_code=status.HTTP_201_CREATED)
def create_thread(data: ThreadCreate, session: SessionDep, viewer: ViewerDep) -> ThreadCreated:
    thread, post = forum.create_thread(
        session,
        viewer,
        category_slug=data.category,
        kind=data.kind,
        title=data.title,
        body=data.body,
    )
    return ThreadCreated(
        thread=present.threads_public(session, viewer, [thread])[0],
        post=present.posts_public(session, viewer, [post])[0],
    )


@router.get("/threads/{thread_id}")
def get_thread(thread_id: IdPath, session: SessionDep, viewer: ViewerDep) -> ThreadDetail:
    return present.thread_detail(session, viewer, forum.get_thread(session, viewer, thread_id))


@router.patch("/threads/{thread_id}")
def update_thread(
    thread_id: IdPath, data: ThreadUpdate, session: SessionDep, viewer: ViewerDep
) -> ThreadDetail:
    if data.title is not None:
        forum.update_thread(session, viewer, thread_id, title=data.title)
    if data.is_locked is not None:
        forum.set_locked(session, viewer, thread_id, data.is_locked)
    return present.thread_detail(session, viewer, forum.get_thread(session, viewer, thread_id))


@router.get("/threads/{thread_id}/posts")
def list_posts(
    thread_id: IdPath,
    session: SessionDep,
    viewer: ViewerDep,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> PostsPublic:
    thread = forum.get_thread(session, viewer, thread_id)
    page = forum.list_posts(session, viewer, thread, cursor=cursor, limit=limit)
    return PostsPublic(
        items=present.posts_public(session, viewer, page.items), next_cursor=page.next_cursor
    )


@router.post("/threads/{thread_id}/posts", status_code=status.HTTP_201_CREATED)
def create_post(
    thread_id: IdPath, data: PostCreate, session: SessionDep, viewer: ViewerDep
) -> PostPublic:
    post = forum.create_reply(session, viewer, thread_id, data.body)
    return present.posts_public(session, viewer, [post])[0]


@router.get("/posts/{post_id}")
def get_post(post_id: IdPath, session: SessionDep, viewer: ViewerDep) -> PostPublic:
    post, _thread = forum.get_post(session, viewer, post_id)
    return present.posts_public(session, viewer, [post])[0]


@router.patch("/posts/{post_id}")
def edit_post(
    post_id: IdPath, data: PostUpdate, session: SessionDep, viewer: ViewerDep
) -> PostPublic:
    post = forum.edit_post(session, viewer, post_id, data.body)
    return present.posts_public(session, viewer, [post])[0]


@router.delete("/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_post(post_id: IdPath, session: SessionDep, viewer: ViewerDep) -> None:
    forum.delete_post(session, viewer, post_id)


@router.get("/posts/{post_id}/revisions")
def list_revisions(post_id: IdPath, session: SessionDep, viewer: ViewerDep) -> list[RevisionPublic]:
    revisions = forum.list_revisions(session, viewer, post_id)
    editors = forum.users_by_id(session, (r.editor_id for r in revisions))
    out = []
    for r in revisions:
        assert r.id is not None
        editor: User | None = editors.get(r.editor_id) if r.editor_id else None
        out.append(
            RevisionPublic(
                id=r.id,
                body=r.body,
                written_at=r.written_at,
                replaced_at=r.replaced_at,
                editor=editor.nickname if editor else None,
            )
        )
    return out
