"""Avatars: a generated one (initials on a colour drawn from the member id) for everyone, an
uploaded picture for members who choose one.

An upload is decoded with Pillow (PNG, JPEG or WebP, at most 10 MB), turned upright, cut
square, re-encoded at two sizes without any of the original's metadata (EXIF, GPS, ICC
comments), and stored in the database, so backups and every process see it. Its URL names the
member id and a random key that changes with every upload, so the picture can be cached for
good and the URL says nothing the public profile does not. An erased member gets the neutral
avatar and their picture is deleted.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import warnings
from io import BytesIO
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from sqlalchemy import delete
from sqlmodel import Session

from community.accounts.models import Avatar, User
from community.errors import InvalidInput, NotFound
from community.privacy.erasure import Erasure, erasure_step
from community.privacy.sections import export_section

# Pillow is imported by an upload, the rare request that needs it, not by every process.
if TYPE_CHECKING:
    from PIL import Image

# A phone's photo as it comes (3-8 MB as a rule): only a few pixels of it are kept anyway.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Larger pictures are refused before decoding (a small file can unpack to a huge bitmap).
MAX_PIXELS = 40_000_000
SIZES = (48, 96)
FORMATS = {"PNG", "JPEG", "WEBP"}

# Dark enough for white initials at WCAG AA (contrast 4.5:1 or more, checked in the tests).
PALETTE = (
    "#1f5f8b",
    "#2e6b30",
    "#8a3b12",
    "#6a3d9a",
    "#8b1e3f",
    "#00695c",
    "#4e5b6e",
    "#7a4f01",
    "#3949ab",
    "#ad1457",
)
NEUTRAL = "#5f6b7a"


def _size(size: int) -> int:
    return 48 if size <= 48 else 96


def avatar_url(user: User | None, size: int = 48) -> str:
    """The URL of the member's avatar for an <img>; the neutral one for nobody or an erased
    member."""
    if user is None or user.id is None or user.erased_at is not None:
        return "/avatars/neutral.svg"
    if user.avatar_key:
        return f"/avatars/{user.id}/{user.avatar_key}-{_size(size)}.webp"
    return f"/avatars/{user.id}.svg"


def _initials(nickname: str) -> str:
    letters = [c for c in nickname if c.isalnum()]
    if not letters:
        return "?"
    # A second capital or a digit run ("AnnaB", "Max2") gives a second letter, as Discourse does.
    second = next((c for c in letters[1:] if c.isupper() or c.isdigit()), "")
    return (letters[0] + second).upper()


def colour_of(user_id: int) -> str:
    digest = hashlib.sha256(f"avatar:{user_id}".encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def generated_svg(user: User | None) -> str:
    """The default avatar: deterministic from the member id (colour) and nickname (letters)."""
    if user is None or user.id is None or user.erased_at is not None:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">'
            f'<rect width="96" height="96" fill="{NEUTRAL}"/>'
            '<circle cx="48" cy="38" r="17" fill="#fff"/>'
            '<path d="M18 86c4-18 16-26 30-26s26 8 30 26z" fill="#fff"/></svg>'
        )
    letters = escape(_initials(user.nickname))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">'
        f'<rect width="96" height="96" fill="{colour_of(user.id)}"/>'
        '<text x="48" y="50" dy=".35em" text-anchor="middle" fill="#fff" '
        'font-family="system-ui, sans-serif" font-size="40" font-weight="600">'
        f"{letters}</text></svg>"
    )


def _decode(data: bytes, least: tuple[int, int]) -> Image.Image:
    """The picture, at least `least` in size where the file allows: a JPEG is decoded at
    1/2, 1/4 or 1/8 of its size when that is still enough (a photo's 12 million pixels in
    36 MB of memory would otherwise be decoded to be cut down to 96)."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput("Das Bild ist größer als 10 MB.", code="avatar_too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))
            if image.format not in FORMATS:
                raise InvalidInput(
                    "Bitte ein Bild im Format PNG, JPEG oder WebP hochladen.",
                    code="avatar_type",
                )
            if image.width * image.height > MAX_PIXELS:
                raise InvalidInput("Das Bild hat zu viele Pixel.", code="avatar_too_large")
            image.draft(None, least)  # JPEG only; other formats ignore it
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            "Bitte ein Bild im Format PNG, JPEG oder WebP hochladen.", code="avatar_type"
        ) from None
    except (OSError, ValueError, SyntaxError):
        raise InvalidInput("Das Bild ist beschädigt.", code="avatar_broken") from None
    return image


def _encode(image: Image.Image, size: int) -> bytes:
    from PIL import Image, ImageOps

    square = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
    out = BytesIO()
    # A fresh image from the pixels alone: nothing of the upload's metadata is carried over.
    clean = Image.new(square.mode, square.size)
    clean.paste(square)
    clean.save(out, "WEBP", quality=85)
    return out.getvalue()


def save_upload(session: Session, user: User, data: bytes) -> Avatar:
    """Checks, cleans and stores an uploaded picture; replaces an earlier one."""
    from PIL import ImageOps

    image = _decode(data, (2 * SIZES[-1], 2 * SIZES[-1]))
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    assert user.id is not None
    small, large = (_encode(image, size) for size in SIZES)
    key = secrets.token_urlsafe(12)
    row = session.get(Avatar, user.id)
    if row is None:
        row = Avatar(user_id=user.id, key=key, small=small, large=large)
    else:
        row.key, row.small, row.large = key, small, large
    session.add(row)
    user.avatar_key = row.key
    session.add(user)
    session.flush()
    return row


def remove_upload(session: Session, user: User) -> None:
    session.execute(delete(Avatar).where(Avatar.user_id == user.id))  # type: ignore[arg-type]
    user.avatar_key = None
    session.add(user)
    session.flush()


def uploaded_image(session: Session, user_id: int, key: str, size: int) -> bytes:
    row = session.get(Avatar, user_id)
    user = session.get(User, user_id)
    if row is None or user is None or user.erased_at is not None or row.key != key:
        raise NotFound("Dieses Bild gibt es nicht.")
    return row.small if size == 48 else row.large


@erasure_step
def _erase_avatar(session: Session, erasure: Erasure) -> None:
    remove_upload(session, erasure.user)


@export_section("avatar")
def _export_avatar(session: Session, user: User) -> dict[str, object] | None:
    """The uploaded picture as the forum keeps it (the larger size), base64-encoded."""
    row = session.get(Avatar, user.id)
    if row is None:
        return None
    return {
        "uploaded_at": row.created_at.isoformat(),
        "webp_base64": base64.b64encode(row.large).decode(),
    }
