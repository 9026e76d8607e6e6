"""The admins' forms styled like the rest: the legal texts with a server-side Markdown
preview (nothing saved), the webhook events explained in both languages, and the team's box
on a thread page with a label for each field."""

from __future__ import annotations

from sqlmodel import Session

from community.accounts.models import Role
from community.legal import service as legal
from community.legal.service import LegalPageSlug
from tests.factories import make_category, make_thread, make_user, sign_in


def _post(client, url, **fields):  # type: ignore[no-untyped-def]
    fields["csrf_token"] = client.cookies.get("community_csrf")
    return client.post(url, data=fields, follow_redirects=False)


def test_legal_preview_renders_the_markdown_and_saves_nothing(db: Session, client) -> None:
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    text = "# Impressum\n\nMusterfirma **GmbH**, Hauptstraße 1"
    preview = _post(client, "/admin/legal/impressum", markdown=text, action="preview")
    assert preview.status_code == 200
    assert (
        "<strong>GmbH</strong>" in preview.text and "Vorschau (nicht gespeichert)" in preview.text
    )
    assert "Musterfirma **GmbH**, Hauptstraße 1</textarea>" in preview.text  # still typed
    assert legal.stored_page(db, LegalPageSlug.impressum).markdown == ""
    saved = _post(client, "/admin/legal/impressum", markdown=text, action="save")
    assert saved.status_code == 303
    db.expire_all()
    assert "Musterfirma" in legal.stored_page(db, LegalPageSlug.impressum).markdown


def test_webhook_events_are_explained_in_german_and_english(db: Session, client) -> None:
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    page = client.get("/admin/webhooks").text
    assert "Eine Antwort wurde als Lösung akzeptiert." in page
    sign_in(client, make_user(db, nickname="Boss", role=Role.admin, locale="en"))
    assert "An answer was accepted as the solution." in client.get("/admin/webhooks").text


def test_staff_box_on_a_thread_has_a_heading_and_labelled_fields(db: Session, client) -> None:
    author = make_user(db, nickname="Fragerin")
    thread = make_thread(db, author=author, category=make_category(db))
    sign_in(client, make_user(db, nickname="Teamer", staff=True))
    page = client.get(f"/t/{thread.id}/{thread.slug}").text
    assert '<section class="card staff-box" aria-labelledby="staff-box-heading">' in page
    assert '<label for="support-note">Notiz für den Support</label>' in page
    assert ">Als Vertriebschance markieren</button>" in page
    sign_in(client, author)
    assert "staff-box" not in client.get(f"/t/{thread.id}/{thread.slug}").text
