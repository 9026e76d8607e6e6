"""Personal data rules: a member's export, and erasing an account.

Erasure keeps the account row under a pseudonym ("Gelöschtes Mitglied 42"), so the posts
that stay, the kudos others received and every counter stay whole, and removes what is
personal: e-mail (a non-routable placeholder, the column is unique and required), real
name, company, password, sessions, mail tokens, group memberships, the consents to sales
contact and the integration tokens the member created. The old nickname, e-mail and real
name are then replaced in the event log, the jobs table, FAQ entries and the audit log;
the search documents of every thread the member wrote in are rebuilt. Everything happens
in the caller's transaction, with a `user.erased` event for the CRM and an audit entry.

On request the member's posts go too, through the same removal as a deletion (kudos,
points, counters, FAQ and index follow): every reply, and every thread they started
unless someone else replied to it, since other people's answers would lose their
question. What stays shows the pseudonym, and loses the e-mail address and full real name
where the member's own text named them (a signature)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlmodel import Session, col

# Importing these registers their export sections and erasure steps.
import community.accounts.avatars
import community.accounts.oidc_privacy
import community.blog.privacy
import community.feeds.privacy
import community.forum.drafts
import community.forum.reading
import community.ideas.privacy
import community.insights.privacy
import community.notifications.privacy
import community.privacy.mentions  # noqa: F401
from community import i18n
from community.accounts import service as accounts
from community.accounts.models import ApiToken, EmailToken, GroupMember, Role, User
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from community.events.service import record_event
from community.faq import service as faq
from community.forum import permissions as perms
from community.forum import service as forum
from community.forum.markdown import render_markdown
from community.forum.models import Post, PostRevision, Thread
from community.forum.slugs import slugify
from community.i18n import N_
from community.indexing import service as indexing
from community.leads import service as leads
from community.moderation import audit
from community.moderation.models import Report
from community.privacy.erasure import ERASURE_STEPS, Erasure
from community.privacy.scrub import OldIdentity, scrub_events, scrub_jobs
from community.privacy.sections import SECTIONS

PSEUDONYM_PREFIX = "Gelöschtes Mitglied"
# A password hash no password verifies against: the account can never sign in again.
UNUSABLE_PASSWORD_HASH = "!erased"  # noqa: S105  (not a password: no hash matches it)


def pseudonym_for(user: User) -> str:
    """Unique because the id is; longer than any nickname a member may choose, and with
    a space, which chosen nicknames cannot hold."""
    return f"{PSEUDONYM_PREFIX} {user.id}"


def placeholder_email(user: User) -> str:
    # .invalid is reserved (RFC 2606): no mail can ever be delivered there.
    return f"geloescht-{user.id}@erased.invalid"


# ---- export -----------------------------------------------------------------------------------


def export_data(session: Session, viewer: Viewer) -> dict[str, Any]:
    """Everything the forum holds about the signed-in member, one key per section."""
    return _export(session, _signed_in(viewer))


def export_for_admin(session: Session, viewer: Viewer, user_id: int) -> tuple[dict[str, Any], User]:
    """A member's data for an admin who answers their request (Art. 15 GDPR, e.g. by
    letter): the same file the member downloads, and an audit entry saying who took it."""
    perms.require_admin(viewer)
    user = session.get(User, user_id)
    if user is None or user.erased_at is not None:
        raise NotFound("Dieses Mitglied gibt es nicht.")
    audit.record(session, viewer, "user.export", "user", user.id)
    return _export(session, user), user


def _export(session: Session, user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": "community-personal-data",
        "version": 1,
        "exported_at": utcnow().isoformat(),
    }
    for name, build in SECTIONS.items():
        data[name] = build(session, user)
    return data


def export_filename(user: User, locale: str) -> str:
    """In the language of whoever downloads it (the member, or an admin for them)."""
    stem = i18n.translator(locale)(N_("community-daten"))
    return f"{stem}-{user.id}-{utcnow():%Y-%m-%d}.json"


# ---- erasure ----------------------------------------------------------------------------------


def _signed_in(viewer: Viewer) -> User:
    """A person signed in with their own session; suspended members keep these rights."""
    if viewer.user is None:
        raise NotAuthenticated("Bitte melden Sie sich an.")
    return viewer.user


def erase_own_account(
    session: Session,
    viewer: Viewer,
    *,
    password: str,
    confirm: bool,
    remove_posts: bool,
    proven: bool = False,
) -> Erasure:
    """`proven`: the member has just proved the account by a fresh sign-in at a linked
    provider (accounts/oidc_service.proof_holds), which stands in for the password."""
    user = _signed_in(viewer)
    # Before the member's own row: other_admins locks the admins' rows in id order.
    last_admin = user.role == Role.admin and not accounts.other_admins(session, user)
    session.refresh(user, with_for_update=True)
    if user.erased_at is not None:  # erased a moment ago by another request
        raise NotAuthenticated("Bitte melden Sie sich an.")
    accounts.confirm_identity(user, password, proven=proven, wrong="Das Passwort stimmt nicht.")
    if not confirm:
        raise InvalidInput(
            "Bitte bestätigen Sie, dass Ihr Konto gelöscht werden soll.",
            code="confirmation_required",
        )
    if last_admin:
        raise Conflict(
            "Sie sind das einzige Admin-Mitglied. Ernennen Sie zuerst ein weiteres, damit "
            "jemand die Verwaltung erreicht; dann können Sie Ihr Konto löschen.",
            code="last_admin",
        )
    return _erase(session, viewer, user, remove_posts=remove_posts)


def erase_by_admin(
    session: Session, viewer: Viewer, nickname: str, *, confirm_nickname: str, remove_posts: bool
) -> Erasure:
    """An admin erases an account, e.g. on a request by letter. The nickname is typed
    again as confirmation, so a slip in a list cannot erase the wrong member."""
    perms.require_admin(viewer)
    user = accounts.get_user_by_nickname(session, nickname)
    # Row lock (PostgreSQL): of two erasures at once, the second sees the first's result.
    session.refresh(user, with_for_update=True)
    if user.erased_at is not None:
        raise Conflict("Dieses Konto ist bereits gelöscht.", code="already_erased")
    if user.id == viewer.user_id:
        raise Conflict(
            "Ihr eigenes Konto löschen Sie in den Einstellungen.", code="erase_own_in_settings"
        )
    if confirm_nickname.strip().casefold() != user.nickname.casefold():
        raise InvalidInput(
            "Zur Bestätigung bitte den Spitznamen des Mitglieds eingeben.",
            code="confirmation_required",
        )
    return _erase(session, viewer, user, remove_posts=remove_posts)


def _erase(session: Session, viewer: Viewer, user: User, *, remove_posts: bool) -> Erasure:
    assert user.id is not None
    erasure = Erasure(
        user=user,
        viewer=viewer,
        old=OldIdentity(
            nickname=user.nickname,
            email=user.email,
            real_name=user.real_name,
            company=user.company,
            pseudonym=pseudonym_for(user),
        ),
        remove_posts=remove_posts,
    )
    erasure.threads = set(
        session.execute(
            select(col(Post.thread_id)).where(col(Post.author_id) == user.id).distinct()
        ).scalars()
    )
    now = utcnow()
    _anonymise_account(session, user, now)
    if remove_posts:
        _remove_posts(session, erasure)
    _clean_kept_posts(session, erasure)
    leads.on_member_erased(session, user.id, erasure.old.pseudonym)
    faq.on_member_erased(session, user.id, erasure.old.pseudonym)
    audit.pseudonymise_actor(session, user.id, erasure.old.pseudonym)
    # Reports keep the member (as the pseudonym) but no address to answer to.
    session.execute(
        update(Report)
        .where(
            (col(Report.reporter_id) == user.id) | (col(Report.contact_email) == erasure.old.email)
        )
        .values(contact_email=None)
    )
    for step in ERASURE_STEPS:
        step(session, erasure)
    record_event(
        session,
        "user.erased",
        {
            "user_id": user.id,
            "pseudonym": erasure.old.pseudonym,
            "erased_at": _z(now),
        },
    )
    audit.record(
        session,
        viewer,
        "user.erase",
        "user",
        user.id,
        after={
            "pseudonym": erasure.old.pseudonym,
            "self_service": viewer.user_id == user.id,
            "posts_removed": erasure.removed_posts,
        },
    )
    session.flush()
    scrub_events(session, erasure.old)
    scrub_jobs(session, erasure.old)
    for thread_id in sorted(erasure.threads):
        indexing.thread_changed(session, thread_id)
    session.flush()
    return erasure


def _z(at: datetime) -> str:
    return at.isoformat().split("+")[0] + "Z"


def _anonymise_account(session: Session, user: User, now: datetime) -> None:
    assert user.id is not None
    pseudonym = pseudonym_for(user)
    user.nickname = pseudonym
    user.nickname_key = pseudonym.casefold()
    user.email = placeholder_email(user)
    user.real_name = None
    user.company = None
    user.password_hash = UNUSABLE_PASSWORD_HASH
    user.is_active = False
    user.suspended_until = None
    user.erased_at = now
    session.add(user)
    accounts.end_all_sessions(session, user)
    session.execute(delete(EmailToken).where(col(EmailToken.user_id) == user.id))
    session.execute(delete(GroupMember).where(col(GroupMember.user_id) == user.id))
    # Tokens act for the integration, not the person; still, one whose creator is gone
    # stops working, and the link to the account goes.
    session.execute(
        update(ApiToken)
        .where(col(ApiToken.created_by_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    session.execute(
        update(ApiToken).where(col(ApiToken.created_by_id) == user.id).values(created_by_id=None)
    )
    session.flush()


def _remove_posts(session: Session, erasure: Erasure) -> None:
    """Replies first, then the threads the member started that no one else answered."""
    user = erasure.user
    mine = list(
        session.execute(
            select(Post).where(col(Post.author_id) == user.id).order_by(col(Post.id))
        ).scalars()
    )
    for post in [p for p in mine if not p.is_opening] + [p for p in mine if p.is_opening]:
        if post.is_opening and _others_replied(session, post.thread_id, user):
            erasure.kept_posts += 1
            continue
        thread = session.get(Thread, post.thread_id)
        assert thread is not None
        if not post.is_deleted:
            forum.remove_post(session, erasure.viewer, thread, post)
        # Deleted posts stay readable for moderators; an erased member's text goes.
        post.body = ""
        post.body_html = ""
        session.add(post)
        session.execute(delete(PostRevision).where(col(PostRevision.post_id) == post.id))
        erasure.removed_posts += 1
    session.flush()


def _clean_kept_posts(session: Session, erasure: Erasure) -> None:
    """Posts that stay lose the member's e-mail address and full real name where the text
    names them (a signature, say), in every kept version; the thread titles too."""
    user, old = erasure.user, erasure.old
    posts = session.execute(select(Post).where(col(Post.author_id) == user.id)).scalars()
    for post in list(posts):
        body = old.clean_text(post.body)
        if body != post.body:
            post.body = body
            post.body_html = render_markdown(body)
            session.add(post)
    revisions = session.execute(
        select(PostRevision)
        .join(Post, col(Post.id) == col(PostRevision.post_id))
        .where(col(Post.author_id) == user.id)
    ).scalars()
    for revision in list(revisions):
        revision.body = old.clean_text(revision.body)
        session.add(revision)
    threads = session.execute(select(Thread).where(col(Thread.author_id) == user.id)).scalars()
    for thread in list(threads):
        title = old.clean_text(thread.title)
        if title != thread.title:
            thread.title = title
            thread.slug = slugify(title)
            session.add(thread)
    session.flush()


def _others_replied(session: Session, thread_id: int, user: User) -> bool:
    return bool(
        session.execute(
            select(
                exists().where(
                    col(Post.thread_id) == thread_id,
                    col(Post.author_id) != user.id,
                    col(Post.is_deleted).is_(False),
                )
            )
        ).scalar()
    )
