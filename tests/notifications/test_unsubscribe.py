"""The one-click unsubscribe link: no login, that member and that type of mail only."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlmodel import Session

from community.accounts.viewer import viewer_for
from community.jobs.worker import Worker
from community.notifications import preferences
from community.notifications import service as notifications
from community.notifications.mail import unsubscribe_token
from community.notifications.models import Channel, NoticeType
from tests.factories import make_category, make_reply, make_thread, make_user
from tests.notifications.conftest import notices
from tests.smtp import Mailbox


def test_one_click_unsubscribe_stops_only_that_members_mails_of_that_type(
    db: Session, engine, anon, mailbox: Mailbox
) -> None:
    board = make_category(db)
    asker = make_user(db, nickname="Abbestellerin", email="ab@example.com")
    other = make_user(db, nickname="Andere", email="andere@example.com")
    thread = make_thread(db, author=asker, category=board, title="Frage zum Glasfaseranschluss")
    make_reply(db, author=other, thread=thread)
    make_reply(db, author=make_user(db), thread=thread)
    Worker(engine).run_until_empty()
    mail = mailbox.to("ab@example.com")[-1]
    path = urlsplit(mail.link("/notifications/unsubscribe/")).path

    # Looking at the link (as a mail scanner does) changes nothing.
    page = anon.get(path)
    assert page.status_code == 200 and "Abbestellerin" in page.text
    assert "Antworten in beobachteten Themen" in page.text
    assert preferences.channels(db, asker.id)[NoticeType.reply] == Channel.email  # type: ignore[arg-type]

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", without any login.
    done = anon.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "keine E-Mails mehr" in done.text
    db.expire_all()
    mine = preferences.channels(db, asker.id)  # type: ignore[arg-type]
    assert mine[NoticeType.reply] == Channel.in_app
    assert mine[NoticeType.mention] == Channel.email
    assert preferences.channels(db, other.id)[NoticeType.reply] == Channel.email  # type: ignore[arg-type]
    assert anon.post(path).status_code == 200  # a second click is harmless

    mailbox.clear()
    notifications.mark_read(db, viewer_for(db, other), everything=True)  # so its next is mailed
    make_reply(db, author=make_user(db), thread=thread, body="Und @Abbestellerin?")
    make_reply(db, author=make_user(db), thread=thread)
    Worker(engine).run_until_empty()
    assert [n.type for n in notices(db, asker.id)][-2:] == ["mention", "reply"]
    [only] = mailbox.to("ab@example.com")  # the mention still comes by mail
    assert "erwähnt" in only.text
    assert len(mailbox.to("andere@example.com")) == 1  # the next waits until Andere looks


def test_forged_or_damaged_unsubscribe_tokens_are_refused(db: Session, anon) -> None:
    member = make_user(db)
    assert member.id is not None
    token = unsubscribe_token(member.id, NoticeType.reply)
    for bad in (token[:-3] + "abc", token + "x", "kaputt", "W10.abc"):
        assert anon.get(f"/notifications/unsubscribe/{bad}").status_code == 404
        assert anon.post(f"/notifications/unsubscribe/{bad}").status_code == 404
    # A validly signed token for someone who no longer exists is refused as well.
    ghost = unsubscribe_token(999_999, NoticeType.reply)
    assert anon.post(f"/notifications/unsubscribe/{ghost}").status_code == 404
    preferences.set_channels(db, viewer_for(db, member), {})
    assert preferences.channels(db, member.id)[NoticeType.reply] == Channel.email


def test_the_unsubscribe_page_speaks_the_language_of_the_mail(
    db: Session, anon, mailbox: Mailbox, engine
) -> None:
    member = make_user(db, email="en@example.com", locale="en")
    assert member.id is not None
    path = f"/notifications/unsubscribe/{unsubscribe_token(member.id, NoticeType.reply)}"
    german_browser = {"Accept-Language": "de"}
    asked = anon.get(path, headers=german_browser)
    assert '<html lang="en"' in asked.text and "Unsubscribe from e-mails" in asked.text
    done = anon.post(path, headers=german_browser)
    assert '<html lang="en"' in done.text


def test_an_erased_accounts_old_link_is_refused(db: Session, anon) -> None:
    """A kept mail must not tie the person to their pseudonym's page of posts."""
    from community.privacy import service as privacy
    from tests.factories import PASSWORD

    member = make_user(db, nickname="Gehende")
    assert member.id is not None
    path = f"/notifications/unsubscribe/{unsubscribe_token(member.id, NoticeType.reply)}"
    assert anon.get(path).status_code == 200
    privacy.erase_own_account(
        db, viewer_for(db, member), password=PASSWORD, confirm=True, remove_posts=False
    )
    db.commit()
    assert anon.get(path).status_code == 404
    assert anon.post(path).status_code == 404


def test_an_unsubscribe_address_with_an_umlaut_still_makes_a_mail() -> None:
    """A public URL of a German domain (bäckerei-…): the header is encoded as before rather
    than failing the mail."""
    from email.message import EmailMessage

    from community.mailer import _POLICY

    message = EmailMessage(policy=_POLICY)
    message["List-Unsubscribe"] = "<https://bäckerei-müller.example/notifications/unsubscribe/x>"
    message.set_content("Hallo")
    assert b"List-Unsubscribe: " in message.as_bytes()
