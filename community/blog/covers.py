"""Cover pictures: checked and cleaned like avatars (Pillow, PNG/JPEG/WebP up to 10 MB, no
metadata carried over), cut to 16:9 and kept in the database. The URL holds a random key
that changes with every upload; a cover is served only to who may see its article."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

from sqlmodel import Session

from community.accounts.avatars import MAX_UPLOAD_BYTES, _decode
from community.accounts.viewer import Viewer
from community.blog import revisions, service
from community.blog.models import Article, ArticleCover, ArticleStatus
from community.errors import NotFound
from community.forum import permissions as perms
from community.moderation import audit

if TYPE_CHECKING:  # Pillow is imported by the upload that uses it (accounts/avatars.py)
    from PIL import Image

SIZE = (1200, 675)
__all__ = [
    "MAX_UPLOAD_BYTES",
    "cover_image",
    "cover_path",
    "remove_cover",
    "revision_cover",
    "revision_cover_path",
    "save_cover",
]


def cover_path(article: Article) -> str | None:
    if not article.cover_key:
        return None
    return f"/blog/{article.id}/cover-{article.cover_key}.webp"


def _encode(image: Image.Image) -> bytes:
    from PIL import Image, ImageOps

    fitted = ImageOps.fit(image, SIZE, Image.Resampling.LANCZOS)
    clean = Image.new(fitted.mode, fitted.size)
    clean.paste(fitted)
    out = BytesIO()
    clean.save(out, "WEBP", quality=82)
    return out.getvalue()


def save_cover(session: Session, viewer: Viewer, article_id: int, data: bytes) -> Article:
    """On a published article the picture waits for review like an edit of its text."""
    from PIL import ImageOps

    article = service.staff_article(session, viewer, article_id)
    # Square: a photo lying on its side is turned after decoding, and must still cover SIZE
    image = ImageOps.exif_transpose(_decode(data, (max(SIZE), max(SIZE))))
    image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    encoded = _encode(image)
    if article.status == ArticleStatus.published.value:
        revisions.stage_cover(session, viewer, article, encoded)
        return article
    revisions.put_cover(session, article, encoded)
    session.add(article)
    session.flush()
    audit.record(session, viewer, "article.cover", "article", article.id)
    return article


def remove_cover(session: Session, viewer: Viewer, article_id: int) -> Article:
    article = service.staff_article(session, viewer, article_id)
    if article.status == ArticleStatus.published.value:
        revisions.stage_cover(session, viewer, article, None)
        return article
    revisions.put_cover(session, article, None)
    session.add(article)
    session.flush()
    return article


def revision_cover_path(article: Article) -> str:
    return f"/admin/blog/{article.id}/revision-cover.webp"


def revision_cover(session: Session, viewer: Viewer, article_id: int) -> bytes:
    """The picture a pending revision would put in, for the staff who review it."""
    article = service.staff_article(session, viewer, article_id)
    revision = revisions.pending_revision(session, article)
    if revision is None or revision.cover_image is None:
        raise NotFound("Dieses Bild gibt es nicht.")
    return revision.cover_image


def cover_image(session: Session, viewer: Viewer, article_id: int, key: str) -> bytes:
    article = session.get(Article, article_id)
    row = session.get(ArticleCover, article_id)
    if article is None or row is None or row.key != key:
        raise NotFound("Dieses Bild gibt es nicht.")
    staff = viewer.user is not None and (viewer.user.is_staff or viewer.is_moderator)
    if not staff and not perms.can_see_article(session, viewer, article):
        raise NotFound("Dieses Bild gibt es nicht.")
    return row.image
