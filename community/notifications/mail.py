"""Notification mails, sent by the worker: one per notice, or the daily kudos digest.

Every mail is in the member's language, has a text and an HTML part, and carries a
one-click unsubscribe link (RFC 2369 List-Unsubscribe, RFC 8058 One-Click) that turns
off that member's e-mails of that type only, without signing in. The worker checks the
member's setting and access again before sending: what changed since the notice was
made wins."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlmodel import Session, col

from community import i18n, mailtemplates
from community.accounts.models import User
from community.accounts.viewer import viewer_for
from community.config import get_settings
from community.errors import NotFound
from community.i18n import N_
from community.jobs.service import handler
from community.mailer import OutgoingMail, send_mail
from community.notifications import preferences, service, texts
from community.notifications.models import Channel, MailState, NoticeType, Notification

_SALT = "notifications.unsubscribe"

_FOOTER = N_(
    "Sie erhalten diese E-Mail, weil Sie Benachrichtigungen der Art „{label}“ per E-Mail "
    "gewählt haben."
)
_UNSUBSCRIBE = N_("Diese E-Mails abbestellen")
_SETTINGS = N_("Alle Einstellungen zu Benachrichtigungen")
_OPEN = N_("Ansehen")
_GREETING = N_("Hallo {nickname},")
_DIGEST_SUBJECT = N_("Sie haben Kudos erhalten ({count})")
_DIGEST_INTRO = N_("seit der letzten Zusammenfassung haben Sie Kudos erhalten:")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt=_SALT)


def unsubscribe_token(user_id: int, type_: NoticeType) -> str:
    return str(_serializer().dumps([user_id, type_.value]))


def read_unsubscribe_token(token: str) -> tuple[int, NoticeType]:
    """The member and type a link was made for; a forged or damaged token is a 404."""
    try:
        user_id, type_ = _serializer().loads(token)
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise ValueError("not a member id")
        return user_id, NoticeType(type_)
    except (BadSignature, ValueError, TypeError) as exc:
        raise NotFound("Dieser Abmeldelink ist ungültig.", code="invalid_token") from exc


def unsubscribe(session: Session, token: str, *, confirm: bool) -> tuple[User, NoticeType]:
    """GET shows what the link would do (confirm=False); POST does it. The member keeps
    the in-app notices of that type; only the e-mails stop."""
    user_id, type_ = read_unsubscribe_token(token)
    user = session.get(User, user_id)
    # An erased account's old mail must not tie its pseudonym to the person who kept it
    if user is None or user.erased_at is not None:
        raise NotFound("Dieser Abmeldelink ist ungültig.", code="invalid_token")
    if confirm and preferences.channels(session, user_id)[type_] == Channel.email:
        preferences.store_channel(session, user_id, type_, Channel.in_app)
        session.flush()
    return user, type_


def unsubscribe_url(user_id: int, type_: NoticeType) -> str:
    base = get_settings().public_url.rstrip("/")
    return f"{base}/notifications/unsubscribe/{unsubscribe_token(user_id, type_)}"


def compose(
    user: User, type_: NoticeType, subject: str, lines: list[texts.Described], intro: str = ""
) -> OutgoingMail:
    """Text and HTML of one mail in the member's language (set by the caller)."""
    assert user.id is not None
    settings = get_settings()
    base = settings.public_url.rstrip("/")
    gettext = i18n.gettext
    unsubscribe_link = unsubscribe_url(user.id, type_)
    settings_link = f"{base}/settings#notifications"
    footer = gettext(_FOOTER).format(label=gettext(texts.LABELS[type_]))
    items = [(d.text, f"{base}{d.path}" if d.path else None) for d in lines]
    text_lines = [gettext(_GREETING).format(nickname=user.nickname), ""]
    if intro:
        text_lines += [intro, ""]
    for text, link in items:
        text_lines.append(f"- {text}" if len(items) > 1 else text)
        if link:
            text_lines.append(f"  {link}" if len(items) > 1 else f"\n{link}")
    text_lines += [
        "",
        "-- ",
        footer,
        f"{gettext(_UNSUBSCRIBE)}: {unsubscribe_link}",
        f"{gettext(_SETTINGS)}: {settings_link}",
    ]
    html = mailtemplates.render(
        "mail/notification.html",
        locale=i18n.current_locale(),
        subject=subject,
        greeting=gettext(_GREETING).format(nickname=user.nickname),
        intro=intro,
        items=items,
        open_label=gettext(_OPEN),
        footer=footer,
        unsubscribe_label=gettext(_UNSUBSCRIBE),
        unsubscribe_url=unsubscribe_link,
        settings_label=gettext(_SETTINGS),
        settings_url=settings_link,
        site_name=settings.site_name,
    )
    return OutgoingMail(
        to=user.email,
        subject=f"{settings.site_name}: {subject}",
        text="\n".join(text_lines) + "\n",
        html=html,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def _deliverable(
    session: Session, user: User | None, notices: list[Notification]
) -> list[Notification]:
    """Of these notices, those the member may still see and still wants mailed."""
    if user is None or user.id is None or not user.is_active or not user.email:
        return []
    if not user.is_verified:
        return []
    wanted = preferences.channels(session, user.id)
    viewer = viewer_for(session, user)
    return [
        n
        for n in notices
        if wanted[NoticeType(n.type)] == Channel.email
        and service.can_see_notice(session, viewer, n)
    ]


@handler(service.MAIL_JOB)
def send_notice_mail(session: Session, payload: dict[str, Any]) -> None:
    notice = session.get(Notification, payload["notification_id"])
    if notice is None or notice.mail_state != MailState.pending.value:
        return
    user = session.get(User, notice.user_id)
    if not _deliverable(session, user, [notice]):
        notice.mail_state = MailState.skipped.value
        session.add(notice)
        return
    assert user is not None
    locale = i18n.locale_of(user)
    i18n.set_locale(locale)
    try:
        [described] = texts.describe(
            session, viewer_for(session, user), [notice], i18n.gettext, locale
        )
        send_mail(compose(user, NoticeType(notice.type), described.subject, [described]))
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)
    notice.mail_state = MailState.sent.value
    session.add(notice)


@handler(service.DIGEST_JOB)
def send_kudos_digest(session: Session, payload: dict[str, Any]) -> None:
    user = session.get(User, payload["user_id"])
    notices = list(
        session.execute(
            select(Notification)
            .where(
                col(Notification.id).in_(payload["notification_ids"]),
                col(Notification.user_id) == payload["user_id"],
                col(Notification.mail_state) == MailState.digest.value,
            )
            .order_by(col(Notification.id))
        ).scalars()
    )
    if not notices:
        return
    keep = _deliverable(session, user, notices)
    for notice in notices:
        notice.mail_state = (MailState.sent if notice in keep else MailState.skipped).value
        session.add(notice)
    if not keep:
        return
    assert user is not None
    locale = i18n.locale_of(user)
    i18n.set_locale(locale)
    try:
        described = texts.describe(session, viewer_for(session, user), keep, i18n.gettext, locale)
        subject = i18n.gettext(_DIGEST_SUBJECT).format(count=len(keep))
        send_mail(
            compose(user, NoticeType.kudos, subject, described, intro=i18n.gettext(_DIGEST_INTRO))
        )
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)
