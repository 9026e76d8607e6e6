"""Avatars: the generated default, the upload's checks (type, size, metadata stripped, resized)
with real image bytes made by Pillow, removal, and the neutral avatar after erasure."""

from __future__ import annotations

import base64
import os
import re
from io import BytesIO

from PIL import Image
from sqlmodel import Session

from community.accounts import avatars
from community.accounts.models import Avatar
from community.accounts.viewer import viewer_for
from community.privacy import service as privacy
from tests.factories import PASSWORD, make_user, sign_in


def _image(fmt: str, size: tuple[int, int] = (300, 200), **save: object) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt, **save)
    return out.getvalue()


def _jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Heimlicher Fotograf"  # Artist
    exif[0x010F] = "Kamerahersteller"  # Make
    return _image("JPEG", exif=exif.tobytes())


def _upload(client, data: bytes, name: str, mime: str):  # type: ignore[no-untyped-def]
    page = client.get("/settings").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return client.post(
        "/settings/avatar",
        data={"csrf_token": token},
        files={"picture": (name, data, mime)},
        follow_redirects=False,
    )


def _avatar_src(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/settings").text
    return re.search(r'<img class="avatar-img" src="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _relative_luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_generated_avatars_are_stable_per_member_and_readable(anon, db: Session) -> None:
    anna = make_user(db, nickname="AnnaBerg")
    first = anon.get(f"/avatars/{anna.id}.svg")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("image/svg+xml")
    assert ">AB</text>" in first.text
    assert first.text == anon.get(f"/avatars/{anna.id}.svg").text
    assert avatars.colour_of(anna.id) in first.text  # type: ignore[arg-type]
    # White initials on every colour of the palette meet WCAG AA (4.5:1).
    for colour in (*avatars.PALETTE, avatars.NEUTRAL):
        assert 1.05 / (_relative_luminance(colour) + 0.05) >= 4.5, colour
    # An unknown member id answers the neutral picture, not an error that confirms ids.
    unknown = anon.get("/avatars/999999.svg")
    assert unknown.status_code == 200 and "<text" not in unknown.text


def test_an_upload_is_resized_stripped_of_metadata_and_cached(client, anon, db: Session) -> None:
    member = make_user(db)
    sign_in(client, member)
    raw = _jpeg_with_exif()
    assert b"Heimlicher Fotograf" in raw
    response = _upload(client, raw, "urlaub.jpg", "image/jpeg")
    assert response.status_code == 303
    src = _avatar_src(client)
    # The URL names the member id and a random key: no nickname, no file name.
    assert re.fullmatch(rf"/avatars/{member.id}/[\w-]+-96\.webp", src), src
    served = anon.get(src)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert "immutable" in served.headers["cache-control"]
    picture = Image.open(BytesIO(served.content))
    assert picture.format == "WEBP" and picture.size == (96, 96)
    assert not picture.getexif() and "exif" not in picture.info
    assert b"Heimlicher Fotograf" not in served.content
    small = Image.open(BytesIO(anon.get(src.replace("-96.", "-48.")).content))
    assert small.size == (48, 48)


def test_uploads_of_the_wrong_type_or_too_big_are_refused(client, db: Session) -> None:
    member = make_user(db)
    sign_in(client, member)
    gif = _upload(client, _image("GIF"), "bild.gif", "image/gif")
    assert gif.status_code == 422
    assert "PNG, JPEG oder WebP" in gif.text
    text = _upload(client, b"kein Bild, nur Text", "bild.png", "image/png")
    assert text.status_code == 422 and "PNG, JPEG oder WebP" in text.text
    # Over the limit: refused on the form before anything decodes it
    big = _upload(client, b"\xff" * (avatars.MAX_UPLOAD_BYTES + 1), "gross.jpg", "image/jpeg")
    assert big.status_code == 422 and "größer als 10 MB" in big.text
    # Far over it: the request is refused before it is read, with a page, not JSON
    huge = _upload(client, b"\xff" * (3 * avatars.MAX_UPLOAD_BYTES), "riesig.jpg", "image/jpeg")
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith("text/html")
    assert "höchstens 10 MB" in huge.text and '<html lang="de">' in huge.text
    assert db.get(Avatar, member.id) is None
    assert _avatar_src(client) == f"/avatars/{member.id}.svg"


def test_a_phone_photo_of_several_megabytes_becomes_the_avatar_upright(client, db: Session) -> None:
    member = make_user(db)
    sign_in(client, member)
    # Noise does not compress: a JPEG of some megabytes, as a phone takes it, lying on its
    # side (EXIF orientation 6: turn 90 degrees clockwise); stored left half red, right blue.
    width, height = 3000, 2000
    noise = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    colours = Image.new("RGB", (width, height), (230, 0, 0))
    colours.paste((0, 0, 230), (width // 2, 0, width, height))
    photo = Image.blend(noise, colours, 0.6)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = BytesIO()
    photo.save(out, "JPEG", quality=95, exif=exif.tobytes())
    assert 3_000_000 < len(out.getvalue()) < avatars.MAX_UPLOAD_BYTES

    assert _upload(client, out.getvalue(), "IMG_0001.jpg", "image/jpeg").status_code == 303

    picture = Image.open(BytesIO(client.get(_avatar_src(client)).content)).convert("RGB")
    assert picture.size == (96, 96)
    # Turned upright, the stored left half (red) is on top
    red, _green, blue = picture.getpixel((48, 5))  # type: ignore[misc]
    assert red > 150 and blue < 80


def test_a_removed_or_erased_avatar_is_gone(client, anon, db: Session) -> None:
    member = make_user(db)
    sign_in(client, member)
    assert _upload(client, _image("PNG"), "a.png", "image/png").status_code == 303
    first = _avatar_src(client)
    exported = privacy.export_data(db, viewer_for(db, member))["avatar"]
    assert Image.open(BytesIO(base64.b64decode(exported["webp_base64"]))).size == (96, 96)
    page = client.get("/settings").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    removed = client.post("/settings/avatar/remove", data={"csrf_token": token})
    assert removed.status_code == 200
    assert _avatar_src(client) == f"/avatars/{member.id}.svg"
    assert anon.get(first).status_code == 404

    assert _upload(client, _image("WEBP"), "b.webp", "image/webp").status_code == 303
    second = _avatar_src(client)
    db.expire_all()
    privacy.erase_own_account(
        db, viewer_for(db, member), password=PASSWORD, confirm=True, remove_posts=False
    )
    db.commit()
    assert anon.get(second).status_code == 404
    assert db.get(Avatar, member.id) is None
    db.refresh(member)
    assert avatars.avatar_url(member) == "/avatars/neutral.svg"
    assert "<text" not in anon.get(f"/avatars/{member.id}.svg").text
