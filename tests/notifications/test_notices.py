"""Notices and their mails: once per trigger and recipient, as each member's settings say,
only about what the member may see."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts import service as accounts
from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.forum import service as forum
from community.forum.models import Category, Thread
from community.jobs.models import Job
from community.jobs.worker import Worker
from community.leads import service as leads
from community.notifications import preferences
from community.notifications import service as notifications
from community.notifications.models import Channel, MailState, NoticeType, Notification
from community.reputation import service as reputation
from community.reputation.ranks import load_ladder, save_ladder
from tests.factories import (
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)
from tests.notifications.conftest import notices
from tests.smtp import Mailbox, ReceivedMail


def _html(mail: ReceivedMail) -> str:
    part = mail.message.get_body(preferencelist=("html",))
    assert isinstance(part, EmailMessage), "the mail has no HTML part"
    return str(part.get_content())


def _types(db: Session, user: User) -> list[str]:
    return [n.type for n in notices(db, user.id)]


@pytest.fixture
def board(db: Session) -> Category:
    return make_category(db, slug="technik", name="Technik")


def test_reply_reaches_each_watcher_once_by_mail_in_their_language(
    db: Session, engine, board: Category, mailbox: Mailbox
) -> None:
    asker = make_user(db, nickname="Fragerin", email="fragerin@example.com")
    briton = make_user(db, nickname="Britta", email="britta@example.com", locale="en")
    thread = make_thread(db, author=asker, category=board, title="Router verliert Verbindung")
    make_reply(db, author=briton, thread=thread, body="Schon neu gestartet?")
    helper = make_user(db, nickname="Helfer", email="helfer@example.com")
    make_reply(db, author=helper, thread=thread, body="Firmware aktualisieren.")
    Worker(engine).run_until_empty()

    assert _types(db, asker) == ["reply", "reply"]  # Britta's and Helfer's reply
    assert _types(db, briton) == ["reply"]  # Helfer's; never one's own
    assert _types(db, helper) == []
    # One mail until the asker looks (test_a_lively_thread_mails_once_until_the_member_reads)
    assert len(mailbox.to("fragerin@example.com")) == 1
    assert mailbox.to("helfer@example.com") == []

    [mail] = mailbox.to("britta@example.com")
    assert mail.subject.endswith("New reply: Router verliert Verbindung")
    assert "Helfer replied in the thread" in mail.text
    assert f"http://testserver/t/{thread.id}/{thread.slug}#post-" in mail.text
    assert 'lang="en"' in _html(mail) and "Helfer replied in the thread" in _html(mail)
    unsubscribe = mail.link("/notifications/unsubscribe/")
    assert mail.message["List-Unsubscribe"] == f"<{unsubscribe}>"
    # On one line as written: mail clients do not decode encoded words in this header
    assert f"\r\nList-Unsubscribe: <{unsubscribe}>\r\n".encode() in mail.raw
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    german = mailbox.to("fragerin@example.com")[-1]
    assert german.subject.endswith("Neue Antwort: Router verliert Verbindung")
    assert "Britta hat im Thema „Router verliert Verbindung“ geantwortet." in german.text
    assert german.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_off_means_no_notice_and_in_app_means_no_mail(
    db: Session, engine, client, board: Category, mailbox: Mailbox
) -> None:
    asker = make_user(db, nickname="Stille", email="stille@example.com")
    reader = make_user(db, nickname="Leserin", email="leserin@example.com")
    thread = make_thread(db, author=asker, category=board)
    make_reply(db, author=reader, thread=thread)
    sign_in(client, asker)
    changed = client.put("/api/v1/me/notification-settings", json={"reply": "off"})
    assert changed.status_code == 200 and changed.json()["reply"] == "off"
    assert changed.json()["mention"] == "email"  # the others keep their defaults
    sign_in(client, reader)
    assert (
        client.put("/api/v1/me/notification-settings", json={"reply": "in_app"}).json()["reply"]
        == "in_app"
    )
    mailbox.clear()
    before = len(notices(db, asker.id))

    make_reply(db, author=make_user(db), thread=thread)
    Worker(engine).run_until_empty()

    assert len(notices(db, asker.id)) == before
    [notice] = notices(db, reader.id)
    assert notice.type == "reply" and notice.mail_state == MailState.none.value
    assert mailbox.messages == []


def test_a_lively_thread_mails_once_until_the_member_reads(
    db: Session, engine, client, board: Category, mailbox: Mailbox
) -> None:
    """Fifty replies were fifty mails: now the first is mailed, the others are notices
    until the member opens that notice or reads the thread; then the next is mailed."""
    asker = make_user(db, nickname="Fragerin", email="fragerin@example.com")
    thread = make_thread(db, author=asker, category=board, title="Router verliert Verbindung")
    helpers = [make_user(db, nickname=f"Helfer{n}") for n in range(4)]
    for helper in helpers[:3]:
        make_reply(db, author=helper, thread=thread, body=f"Idee von {helper.nickname}")
    Worker(engine).run_until_empty()
    [first] = mailbox.to("fragerin@example.com")
    assert "Helfer0 hat im Thema" in first.text
    assert [n.mail_state for n in notices(db, asker.id)] == ["sent", "none", "none"]
    sign_in(client, asker)
    assert client.get("/api/v1/me/notifications").json()["unread_count"] == 3  # all listed

    # She reads the thread (not the notices): the next reply is mailed again.
    client.get(f"/t/{thread.id}/{thread.slug}")
    make_reply(db, author=helpers[3], thread=thread, body="Noch eine Idee")
    Worker(engine).run_until_empty()
    assert "Helfer3 hat im Thema" in mailbox.to("fragerin@example.com")[-1].text
    assert len(mailbox.to("fragerin@example.com")) == 2

    # A mention is hers in person: mailed even while a reply mail waits unread.
    make_reply(db, author=helpers[0], thread=thread, body="Und @Fragerin, geht es?")
    Worker(engine).run_until_empty()
    assert "erwähnt" in mailbox.to("fragerin@example.com")[-1].text


def test_a_reply_that_mentions_a_watcher_is_one_mention(
    db: Session, engine, board: Category, mailbox: Mailbox
) -> None:
    asker = make_user(db, nickname="Anna", email="anna@example.com")
    thread = make_thread(db, author=asker, category=board)
    post = make_reply(
        db, author=make_user(db, nickname="Bert"), thread=thread, body="@Anna probier das, @anna!"
    )
    Worker(engine).run_until_empty()

    [notice] = notices(db, asker.id)
    assert notice.type == "mention" and notice.post_id == post.id
    [mail] = mailbox.to("anna@example.com")
    assert "Bert hat Sie im Thema" in mail.text
    assert '<a href="/u/Anna"' in post.body_html


def test_mention_reaches_only_members_who_can_see_the_thread(
    db: Session, engine, mailbox: Mailbox
) -> None:
    inside = make_user(db, nickname="Drinnen", email="drinnen@example.com")
    outside = make_user(db, nickname="Draussen", email="draussen@example.com")
    author = make_user(db, nickname="Schreiberin")
    group = make_group(db, members=[inside, author])
    closed = make_category(db, groups=[group])
    thread = make_thread(
        db, author=author, category=closed, body="Was meinen @Drinnen und @Draussen?"
    )
    make_reply(db, author=author, thread=thread, body="@Draussen, @Drinnen?")
    Worker(engine).run_until_empty()

    assert _types(db, inside) == ["mention", "mention"]  # the question and the reply
    assert _types(db, outside) == []
    assert mailbox.to("draussen@example.com") == []
    assert len(mailbox.to("drinnen@example.com")) == 2


def test_member_removed_from_the_group_gets_nothing_more_and_loses_old_notices(
    db: Session, engine, client, mailbox: Mailbox
) -> None:
    watcher = make_user(db, nickname="Ehemalig", email="ehemalig@example.com")
    author = make_user(db, nickname="Bleibt")
    group = make_group(db, members=[watcher, author])
    closed = make_category(db, groups=[group])
    thread = make_thread(db, author=author, category=closed, title="Vertrauliche Tarife 2027")
    make_reply(db, author=watcher, thread=thread)
    make_reply(db, author=author, thread=thread)
    Worker(engine).run_until_empty()
    assert len(mailbox.to("ehemalig@example.com")) == 1
    sign_in(client, watcher)
    assert client.get("/api/v1/me/notifications").json()["unread_count"] == 1
    assert "Vertrauliche Tarife 2027" in client.get("/notifications").text
    [exported] = notifications.export_for_user(db, watcher)
    assert exported["type"] == "reply" and "Vertrauliche Tarife 2027" in exported["text"]

    notifications.mark_read(db, viewer_for(db, watcher), everything=True)  # so it is mailed:
    make_reply(db, author=author, thread=thread)  # its mail is still queued ...
    accounts.remove_member(db, group, watcher)  # ... when the member leaves the group
    db.commit()
    Worker(engine).run_until_empty()
    make_reply(db, author=author, thread=thread)

    assert len(mailbox.to("ehemalig@example.com")) == 1
    assert [n.mail_state for n in notices(db, watcher.id)] == ["sent", "skipped"]
    listed = client.get("/api/v1/me/notifications").json()
    assert listed["items"] == [] and listed["unread_count"] == 0
    page = client.get("/notifications").text
    assert "Vertrauliche Tarife 2027" not in page
    assert "unread-count" not in client.get("/").text
    assert notifications.export_for_user(db, watcher) == []
    assert notifications.export_preferences_for_user(db, watcher)["watched_threads"] == []
    own = notices(db, watcher.id)[0]
    assert client.get(f"/notifications/{own.id}/open").status_code == 404


def test_accepted_solved_kudos_and_rank_each_notify_once(db: Session, board: Category) -> None:
    ladder = load_ladder(db).model_copy(deep=True)
    ladder.steps[2].min_points = 16  # "advanced": one reply and one accepted answer
    save_ladder(db, ladder)
    db.commit()
    asker = make_user(db, nickname="Asker")
    helper = make_user(db, nickname="Antworter")
    expert = make_user(db, nickname="Expertin", role=Role.expert)
    thread = make_thread(db, author=asker, category=board)
    answer = make_reply(db, author=helper, thread=thread)
    assert thread.id is not None and answer.id is not None
    reputation.accept_solution(db, viewer_for(db, expert), thread.id, answer.id)
    reputation.withdraw_solution(db, viewer_for(db, expert), thread.id)
    reputation.accept_solution(db, viewer_for(db, expert), thread.id, answer.id)
    reputation.give_kudos(db, viewer_for(db, asker), answer.id)
    reputation.give_kudos(db, viewer_for(db, asker), answer.id)  # idempotent
    db.commit()

    # The accepted answer's points lifted the helper to "advanced" (the step to "member"
    # for a first post is no news: no points crossed a step).
    assert _types(db, helper) == ["rank", "accepted", "kudos"]
    assert _types(db, asker) == ["reply", "solved"]
    assert _types(db, expert) == []
    rank = notices(db, helper.id)[0]
    assert rank.data == {"rank": "advanced"} and rank.mail_state == "none"  # in-app default
    kudos = notices(db, helper.id)[2]
    assert kudos.mail_state == MailState.pending.value  # waits for the daily digest


def test_the_asker_accepting_is_no_news_to_the_asker(db: Session, board: Category) -> None:
    asker = make_user(db)
    helper = make_user(db)
    thread = make_thread(db, author=asker, category=board)
    answer = make_reply(db, author=helper, thread=thread)
    assert thread.id is not None and answer.id is not None
    reputation.accept_solution(db, viewer_for(db, asker), thread.id, answer.id)
    db.commit()
    assert "solved" not in _types(db, asker)
    assert "accepted" in _types(db, helper)


def test_a_rolled_back_reply_notifies_nobody(db: Session, board: Category) -> None:
    asker = make_user(db)
    thread = make_thread(db, author=asker, category=board)
    assert thread.id is not None
    replier = make_user(db)
    before = len(notices(db))
    forum.create_reply(db, viewer_for(db, replier), thread.id, "Hallo @" + asker.nickname)
    db.rollback()
    assert len(notices(db)) == before
    assert db.execute(select(Job).where(col(Job.type) == "mail.notification")).first() is None


def test_moderation_tells_author_and_member_reporter_once_and_visitors_as_before(
    db: Session, engine, client, anon, board: Category, mailbox: Mailbox
) -> None:
    author = make_user(db, nickname="Werber", email="werber@example.com", locale="en")
    thread = make_thread(db, author=make_user(db), category=board, title="Welcher Tarif passt?")
    post = make_reply(db, author=author, thread=thread, body="Kauft bei mir!")
    reporter = make_user(db, nickname="Melderin", email="melderin@example.com")
    moderator = make_user(db, nickname="Wache", role=Role.moderator)
    sign_in(client, reporter)
    assert (
        client.post(f"/api/v1/posts/{post.id}/reports", json={"reason": "spam"}).status_code == 201
    )
    visitor = {"reason": "unlawful", "contact_email": "besucher@example.com"}
    assert anon.post(f"/api/v1/posts/{post.id}/reports", json=visitor).status_code == 201
    Worker(engine).run_until_empty()
    [confirm] = mailbox.to("besucher@example.com")
    assert anon.get(confirm.link("/report/confirm")).status_code == 200  # address confirmed
    sign_in(client, moderator)
    hidden = client.post(f"/api/v1/moderation/posts/{post.id}/hide", json={"reason": "Werbung"})
    assert hidden.status_code == 204
    Worker(engine).run_until_empty()

    [told] = notices(db, reporter.id)
    assert told.type == "moderation" and told.data["role"] == "reporter"
    [mail] = mailbox.to("melderin@example.com")
    assert "Ihre Meldung zu einem Beitrag" in mail.text and "ausgeblendet" in mail.text
    assert mail.message["List-Unsubscribe"]
    [decided] = notices(db, author.id)
    assert decided.data == {"role": "author", "outcome": "hidden", "reason": "Werbung"}
    [english] = mailbox.to("werber@example.com")
    assert "The post was hidden. Reason: Werbung" in english.text
    [_confirm, visitor_mail] = mailbox.to("besucher@example.com")
    assert "ausgeblendet" in visitor_mail.text


def test_consent_request_is_a_notice_mailed_as_the_customer_chose(
    db: Session, engine, board: Category, mailbox: Mailbox
) -> None:
    customer = make_user(db, nickname="Kundin", email="kundin@example.com")
    quiet = make_user(db, nickname="Leise", email="leise@example.com")
    staff = make_user(db, nickname="Vertrieb", staff=True)
    preferences.set_channels(db, viewer_for(db, quiet), {NoticeType.lead_consent: Channel.in_app})
    first = make_thread(db, author=customer, category=board)
    second = make_thread(db, author=quiet, category=board)
    assert first.id is not None and second.id is not None
    lead = leads.mark_opportunity(db, viewer_for(db, staff), first.id)
    leads.mark_opportunity(db, viewer_for(db, staff), second.id)
    db.commit()
    Worker(engine).run_until_empty()

    [notice] = notices(db, customer.id)
    assert notice.type == "lead_consent" and notice.data == {"lead_id": lead.id}
    [mail] = mailbox.to("kundin@example.com")
    assert mail.link("/leads/") == f"http://testserver/leads/{lead.id}"
    assert [n.type for n in notices(db, quiet.id)] == ["lead_consent"]
    assert mailbox.to("leise@example.com") == []


def test_watching_by_api_and_following_a_board(db: Session, client, board: Category) -> None:
    asker = make_user(db)
    follower = make_user(db)
    thread = make_thread(db, author=asker, category=board)
    sign_in(client, asker)
    assert client.delete(f"/api/v1/threads/{thread.id}/watch").json() == {"watching": False}
    sign_in(client, follower)
    assert client.put(f"/api/v1/threads/{thread.id}/watch").json() == {"watching": True}
    assert client.put("/api/v1/categories/technik/watch").json() == {"watching": True}
    make_reply(db, author=make_user(db), thread=thread)
    make_reply(db, author=asker, thread=thread)  # replying does not watch it again
    make_reply(db, author=make_user(db), thread=thread)
    new = make_thread(db, author=make_user(db), category=board, title="Ganz neue Frage hier")

    assert _types(db, asker) == []
    assert _types(db, follower) == ["reply", "reply", "reply", "new_thread"]
    assert notices(db, follower.id)[-1].thread_id == new.id
    assert client.delete("/api/v1/categories/technik/watch").json() == {"watching": False}
    make_thread(db, author=make_user(db), category=board)
    assert len(_types(db, follower)) == 4


def test_closed_boards_cannot_be_watched_by_outsiders(db: Session, client) -> None:
    group = make_group(db)
    insider = make_user(db)
    accounts.add_member(db, group, insider)
    db.commit()
    closed = make_category(db, slug="geheim", groups=[group])
    thread = make_thread(db, author=insider, category=closed)
    sign_in(client, make_user(db))
    assert client.put(f"/api/v1/threads/{thread.id}/watch").status_code == 404
    assert client.put("/api/v1/categories/geheim/watch").status_code == 404


def test_bell_shows_the_unread_count_and_marking_read_clears_it(
    db: Session, client, board: Category
) -> None:
    asker = make_user(db)
    thread = make_thread(db, author=asker, category=board, title="Wer hilft beim Tarif?")
    make_reply(db, author=make_user(db, nickname="Eins"), thread=thread)
    make_reply(db, author=make_user(db, nickname="Zwei"), thread=thread)
    token = sign_in(client, asker)
    page = client.get("/").text
    assert '<span class="badge unread-count">2</span>' in page
    listed = client.get("/notifications").text
    assert "Zwei hat im Thema „Wer hilft beim Tarif?“ geantwortet." in listed
    assert listed.index("Zwei hat") < listed.index("Eins hat")  # newest first

    [newest, older] = client.get("/api/v1/me/notifications").json()["items"]
    assert newest["actor"] == "Zwei" and newest["url"].startswith("http://testserver/t/")
    read = client.post("/api/v1/me/notifications/read", json={"ids": [newest["id"]]})
    assert read.json() == {"unread_count": 1}
    assert '<span class="badge unread-count">1</span>' in client.get("/").text
    opened = client.get(f"/notifications/{older['id']}/open", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"].startswith(f"/t/{thread.id}/")
    assert "unread-count" not in client.get("/").text

    make_reply(db, author=make_user(db), thread=thread)
    assert '<span class="badge unread-count">1</span>' in client.get("/").text
    done = client.post("/notifications/read", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert "unread-count" not in client.get("/").text
    assert client.get("/api/v1/me/notifications?unread=true").json()["items"] == []


def test_settings_page_saves_the_channels(db: Session, client) -> None:
    member = make_user(db)
    token = sign_in(client, member)
    page = client.get("/settings").text
    assert 'name="kudos"' in page and 'id="notifications"' in page
    saved = client.post(
        "/settings/notifications",
        data={"csrf_token": token, "kudos": "off", "rank": "email"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    current = client.get("/api/v1/me/notification-settings").json()
    assert current["kudos"] == "off" and current["rank"] == "email"
    assert current["reply"] == "email"
    refused = client.post("/settings/notifications", data={"csrf_token": token, "kudos": "laut"})
    assert refused.status_code == 422


def test_list_filter_and_single_check_agree(db: Session, board: Category) -> None:
    """Every (viewer, notice) pair of a small world: the page's list shows exactly what the
    per-notice check allows."""
    group = make_group(db)
    insider, outsider, moderator = make_user(db), make_user(db), make_user(db, role=Role.moderator)
    accounts.add_member(db, group, insider)
    db.commit()
    closed = make_category(db, groups=[group])
    people = [insider, outsider, moderator]
    threads = [
        make_thread(db, author=insider, category=closed),
        make_thread(db, author=outsider, category=board),
    ]
    for thread in threads:
        for person in people:
            if not (thread.category_id == closed.id and person is outsider):
                preferences.watch_thread(db, viewer_for(db, person), thread.id, True)  # type: ignore[arg-type]
        make_reply(db, author=moderator, thread=thread, body="@" + insider.nickname)
    post = make_reply(db, author=insider, thread=threads[0], body="Hallo")
    from community.moderation import service as moderation

    moderation.hide_post(db, viewer_for(db, moderator), post.id, "Test")  # type: ignore[arg-type]
    thread = db.get(Thread, threads[1].id)
    assert thread is not None
    thread.is_deleted = True
    db.add(thread)
    accounts.add_member(db, group, outsider)
    db.commit()
    accounts.remove_member(db, group, insider)  # loses the closed board after the fact
    db.commit()

    every = list(db.execute(select(Notification)).scalars())
    assert len(every) >= 4
    counted = 0
    for person in people:
        viewer = viewer_for(db, person)
        listed = {
            n.id
            for n in db.execute(
                select(Notification).where(notifications.visible_notices_filter(viewer))
            ).scalars()
        }
        checked = {n.id for n in every if notifications.can_see_notice(db, viewer, n)}
        assert listed == checked, person.nickname
        # The bell's count (a statement prepared once per kind of viewer) says the same.
        unread = {n.id for n in every if n.id in checked and n.read_at is None}
        assert notifications.unread_count(db, viewer) == len(unread), person.nickname
        counted += len(unread)
    assert counted > 0
