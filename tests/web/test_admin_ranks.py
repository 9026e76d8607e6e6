"""/admin/ranks: an admin names the ranks and sets their thresholds in the browser; every
member's rank follows at once; a refused ladder keeps what was typed and saves nothing."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from community.accounts.models import Role, User
from community.moderation.models import AuditEntry
from tests.factories import make_category, make_thread, make_user, sign_in

# The default ladder's rows as the page sends them back, with the two empty new rows.
DEFAULT = [
    ("newcomer", "Neuling", "Newcomer", "0", "0"),
    ("member", "Mitglied", "Member", "0", "1"),
    ("advanced", "Fortgeschrittener", "Advanced", "100", "0"),
    ("expert", "Experte", "Expert", "500", "0"),
    ("guru", "Guru", "Guru", "2000", "0"),
    ("", "", "", "", ""),
    ("", "", "", "", ""),
]
FIELDS = ("key", "name_de", "name_en", "min_points", "min_posts")


def _form(csrf: str, rows: list[tuple[str, ...]], remove: list[int] = ()) -> dict[str, object]:  # type: ignore[assignment]
    data: dict[str, object] = {"csrf_token": csrf, "remove": [str(i) for i in remove]}
    for n, field in enumerate(FIELDS):
        data[field] = [row[n] for row in rows]
    return data


def test_an_admin_renames_moves_adds_and_removes_ranks_and_members_follow(
    db: Session, client: TestClient
) -> None:
    writer = make_user(db, nickname="Schreiberin")
    make_thread(db, author=writer, category=make_category(db))  # 1 point, 1 post
    csrf = sign_in(client, make_user(db, nickname="Chefin", role=Role.admin, staff=True))
    page = client.get("/admin/ranks")
    assert page.status_code == 200 and 'value="Fortgeschrittener"' in page.text

    rows = list(DEFAULT)
    rows[2] = ("advanced", "Könner", "Skilled", "1", "0")
    rows[5] = ("", "Legende", "Legend", "5000", "")
    saved = client.post("/admin/ranks", data=_form(csrf, rows, remove=[4]), follow_redirects=False)
    assert saved.status_code == 303
    assert "jedes Mitglied trägt schon seinen neuen Rang" in client.get("/admin/ranks").text

    steps = client.get("/api/v1/ranks").json()["steps"]
    assert [(s["key"], s["name_de"], s["min_points"]) for s in steps] == [
        ("newcomer", "Neuling", 0),
        ("member", "Mitglied", 0),
        ("advanced", "Könner", 1),
        ("expert", "Experte", 500),
        ("legend", "Legende", 5000),  # its key made from its name
    ]
    db.expire_all()
    assert db.get(User, writer.id).rank == "advanced"  # type: ignore[union-attr]
    assert "Könner" in client.get("/u/Schreiberin").text
    [entry] = db.execute(select(AuditEntry).where(AuditEntry.action == "ranks.replace")).scalars()
    assert [s["name_de"] for s in entry.after["steps"]][-1] == "Legende"


def test_a_refused_ladder_keeps_what_was_typed_and_changes_nothing(
    db: Session, client: TestClient
) -> None:
    admin = make_user(db, role=Role.admin, staff=True)
    csrf = sign_in(client, admin)
    rows = list(DEFAULT)
    rows[5] = ("", "Zwischenstufe", "Between", "50", "")  # below "Experte": out of order
    refused = client.post("/admin/ranks", data=_form(csrf, rows))
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert "Die Stufen steigen nach Punkten" in text and 'value="Zwischenstufe"' in text

    rows[5] = ("", "Zwischenstufe", "Between", "viele", "")
    refused = client.post("/admin/ranks", data=_form(csrf, rows))
    assert "Stufe 6: Die Punkte sind eine ganze Zahl" in html.unescape(refused.text)
    assert [s["key"] for s in client.get("/api/v1/ranks").json()["steps"]][-1] == "guru"

    # In English, and through the API, the same refusal in the reader's language.
    admin.locale = "en"
    db.add(admin)
    db.commit()
    english = client.post("/admin/ranks", data=_form(csrf, DEFAULT, remove=[0]))
    assert "The first step starts at 0 points and 0 posts." in html.unescape(english.text)
    steps = [
        {"key": key, "name_de": key, "name_en": key, "min_points": points}
        for key, points in (("start", 0), ("hoch", 10), ("mitte", 5))
    ]
    api = client.put(
        "/api/v1/admin/ranks", json={"steps": steps}, headers={"Accept-Language": "en"}
    )
    assert api.status_code == 422
    assert api.json()["detail"].startswith("The steps rise by points")


def test_only_admins_reach_the_ranks(db: Session, client: TestClient) -> None:
    csrf = sign_in(client, make_user(db, role=Role.moderator))
    assert client.get("/admin/ranks").status_code == 404
    assert client.post("/admin/ranks", data=_form(csrf, DEFAULT)).status_code == 404


def test_a_refusal_names_the_row_as_the_page_numbers_it_and_shows_made_keys(
    db: Session, client: TestClient
) -> None:
    csrf = sign_in(client, make_user(db, role=Role.admin, staff=True))
    rows = list(DEFAULT)
    rows[5] = ("", "Neu", "New", "viele", "")
    # Step 5 ticked for removal: the bad row is still the sixth on the page.
    refused = client.post("/admin/ranks", data=_form(csrf, rows, remove=[4]))
    assert "Stufe 6: Die Punkte sind eine ganze Zahl" in html.unescape(refused.text)

    # A name without a Latin letter gets a key of its own; a key clash is shown with its key.
    rows[5] = ("", "★★★", "★★★", "5000", "")
    rows[6] = ("", "Experte", "Expert", "9000", "")
    clash = html.unescape(client.post("/admin/ranks", data=_form(csrf, rows)).text)
    assert "Jede Stufe braucht einen eigenen Schlüssel." in clash
    assert 'value="stufe-6"' in clash and clash.count('value="expert"') == 2
