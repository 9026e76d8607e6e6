"""Avatars: the generated and uploaded pictures, and the settings page's upload and removal
forms (plain multipart forms, no JavaScript needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from community.accounts import avatars
from community.accounts.models import User
from community.auth import check_csrf
from community.deps import IdPath, SessionDep
from community.errors import CommunityError
from community.forum import permissions as perms
from community.web.deps import CsrfField, WebViewer, see_other
from community.web.forms import form_error
from community.web.settings import settings_context

router = APIRouter()

# A generated avatar changes with the nickname, so it is cached for an hour; an uploaded one
# has a new URL with every upload and is cached for good.
_GENERATED_CACHE = "public, max-age=3600"
_UPLOADED_CACHE = "public, max-age=31536000, immutable"
# An SVG opened on its own must not run anything.
_SVG_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


@router.get("/avatars/neutral.svg")
def neutral_avatar() -> Response:
    return Response(
        avatars.generated_svg(None),
        media_type="image/svg+xml",
        headers={"Cache-Control": _GENERATED_CACHE, **_SVG_HEADERS},
    )


@router.get("/avatars/{user_id}.svg")
def generated_avatar(user_id: IdPath, session: SessionDep) -> Response:
    # An unknown id answers the neutral picture, like an erased member: no way to probe ids.
    return Response(
        avatars.generated_svg(session.get(User, user_id)),
        media_type="image/svg+xml",
        headers={"Cache-Control": _GENERATED_CACHE, **_SVG_HEADERS},
    )


@router.get("/avatars/{user_id}/{key}-{size}.webp")
def uploaded_avatar(user_id: IdPath, key: str, size: int, session: SessionDep) -> Response:
    image = avatars.uploaded_image(session, user_id, key[:32], size)
    return Response(image, media_type="image/webp", headers={"Cache-Control": _UPLOADED_CACHE})


@router.post("/settings/avatar", response_model=None)
def upload_avatar(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    picture: Annotated[UploadFile, File()],
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_member(viewer)
    user = viewer.user
    assert user is not None
    try:
        # One byte more than allowed is enough to know it is too big.
        avatars.save_upload(session, user, picture.file.read(avatars.MAX_UPLOAD_BYTES + 1))
    except CommunityError as exc:
        return form_error(
            request,
            session,
            "settings.html",
            lambda: settings_context(user),
            exc,
            key="avatar_error",
        )
    return see_other("/settings#avatar", flash="avatar_saved")


@router.post("/settings/avatar/remove", response_model=None)
def remove_avatar(
    request: Request, session: SessionDep, viewer: WebViewer, csrf_token: CsrfField
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_member(viewer)
    assert viewer.user is not None
    avatars.remove_upload(session, viewer.user)
    return see_other("/settings#avatar", flash="avatar_removed")
