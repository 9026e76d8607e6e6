"""/api/v1/admin: roles, closed groups, boards, pre-moderation and integration tokens.
Admins only; every change is in the audit log."""

from __future__ import annotations

from fastapi import APIRouter, status

from community.accounts import admin
from community.accounts import service as accounts
from community.accounts.models import ApiToken
from community.accounts.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenPublic,
    GroupCreate,
    GroupMemberAdd,
    GroupPublic,
    UserAdminUpdate,
    UserPrivate,
)
from community.deps import AdminOnly, IdPath, SessionDep, ViewerDep
from community.forum import boards as forum_boards
from community.forum import premoderation, present
from community.forum.schemas import (
    CategoryCreate,
    CategoryGroupsUpdate,
    CategoryPublic,
    CategoryUpdate,
)
from community.moderation import pending
from community.moderation.schemas import PremoderationSettings

PREMODERATION_DOC = (
    "Pre-moderation is off by default. German note for admins: "
    f"„{premoderation.LIABILITY_NOTE}“ (Checking posts before they are published can make "
    "the operator liable for the content as if it were their own.)"
)


router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[AdminOnly])


def _token_public(token: ApiToken) -> ApiTokenPublic:
    assert token.id is not None
    return ApiTokenPublic(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        scopes=token.scope_list,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked=token.revoked_at is not None,
    )


@router.patch("/users/{nickname}")
def update_user(
    nickname: str, data: UserAdminUpdate, session: SessionDep, viewer: ViewerDep
) -> UserPrivate:
    user = admin.update_user(
        session,
        viewer,
        nickname,
        role=data.role,
        is_staff=data.is_staff,
        is_active=data.is_active,
    )
    return UserPrivate.of(user)


@router.get("/groups")
def list_groups(session: SessionDep) -> list[GroupPublic]:
    return [
        GroupPublic(slug=g.slug, name=g.name, description=g.description, member_count=n)
        for g, n in accounts.list_groups(session)
    ]


@router.post("/groups", status_code=status.HTTP_201_CREATED)
def create_group(data: GroupCreate, session: SessionDep, viewer: ViewerDep) -> GroupPublic:
    group = admin.create_group(
        session, viewer, slug=data.slug, name=data.name, description=data.description
    )
    return GroupPublic(
        slug=group.slug, name=group.name, description=group.description, member_count=0
    )


@router.get("/groups/{slug}/members")
def list_members(slug: str, session: SessionDep) -> list[str]:
    return [u.nickname for u in accounts.group_members(session, accounts.get_group(session, slug))]


@router.post("/groups/{slug}/members", status_code=status.HTTP_204_NO_CONTENT)
def add_member(slug: str, data: GroupMemberAdd, session: SessionDep, viewer: ViewerDep) -> None:
    admin.add_member(session, viewer, slug, data.nickname)


@router.delete("/groups/{slug}/members/{nickname}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(slug: str, nickname: str, session: SessionDep, viewer: ViewerDep) -> None:
    admin.remove_member(session, viewer, slug, nickname)


@router.post("/categories", status_code=status.HTTP_201_CREATED)
def create_category(data: CategoryCreate, session: SessionDep, viewer: ViewerDep) -> CategoryPublic:
    category = forum_boards.create_category(
        session,
        viewer,
        slug=data.slug,
        name=data.name,
        description=data.description,
        position=data.position,
        parent_slug=data.parent,
        group_slugs=data.groups,
        premoderated=data.premoderated,
    )
    return present.categories_public(session, viewer, [category])[0]


@router.patch("/categories/{slug}", description=PREMODERATION_DOC)
def update_category(
    slug: str, data: CategoryUpdate, session: SessionDep, viewer: ViewerDep
) -> CategoryPublic:
    category = forum_boards.get_category(session, viewer, slug)
    if data.premoderated is not None:
        forum_boards.set_premoderated(session, viewer, category, data.premoderated)
    return present.categories_public(session, viewer, [category])[0]


@router.get("/premoderation", description=PREMODERATION_DOC)
def get_premoderation(session: SessionDep) -> PremoderationSettings:
    return PremoderationSettings(first_posts=premoderation.first_posts(session))


@router.put("/premoderation", description=PREMODERATION_DOC)
def set_premoderation(
    data: PremoderationSettings, session: SessionDep, viewer: ViewerDep
) -> PremoderationSettings:
    count = pending.set_first_posts(session, viewer, data.first_posts)
    return PremoderationSettings(first_posts=count)


@router.put("/categories/{slug}/groups")
def set_category_groups(
    slug: str, data: CategoryGroupsUpdate, session: SessionDep, viewer: ViewerDep
) -> CategoryPublic:
    category = forum_boards.get_category(session, viewer, slug)
    forum_boards.set_category_groups(session, viewer, category, data.groups)
    return present.categories_public(session, viewer, [category])[0]


@router.get("/tokens")
def list_tokens(session: SessionDep, viewer: ViewerDep) -> list[ApiTokenPublic]:
    return [_token_public(t) for t in admin.list_tokens(session, viewer)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(data: ApiTokenCreate, session: SessionDep, viewer: ViewerDep) -> ApiTokenCreated:
    token, raw = admin.create_token(session, viewer, name=data.name, scopes=data.scopes)
    return ApiTokenCreated(**_token_public(token).model_dump(), token=raw)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: IdPath, session: SessionDep, viewer: ViewerDep) -> None:
    admin.revoke_token(session, viewer, token_id)
