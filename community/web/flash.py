"""The confirmation after an action ("Ihre Antwort ist veröffentlicht."): the redirect
after a form sets a short-lived cookie naming one of the messages below, the next page
shows it once (role=status, so a screen reader announces it) and clears the cookie.

Only a name travels in the cookie and only the messages listed here are shown, so a
planted cookie can show nothing else; no signing needed."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from community.config import get_settings
from community.i18n import N_

COOKIE = "flash"

MESSAGES = {
    "thread_posted": N_("Ihr Thema ist veröffentlicht."),
    "thread_held": N_("Ihr Thema ist gespeichert und wartet auf Freigabe durch die Moderation."),
    "reply_posted": N_("Ihre Antwort ist veröffentlicht."),
    "reply_posted_meanwhile": N_(
        "Ihre Antwort ist veröffentlicht. Während Sie schrieben, kamen weitere Antworten "
        "hinzu; bitte sehen Sie nach, ob sich etwas überschneidet."
    ),
    "reply_held": N_("Ihre Antwort wartet auf Freigabe durch die Moderation."),
    "post_edited": N_("Ihre Änderung ist gespeichert."),
    "draft_saved": N_("Ihr Entwurf ist gespeichert."),
    "solution_accepted": N_("Die Antwort ist als Lösung markiert."),
    "solution_withdrawn": N_("Die Lösung ist zurückgenommen."),
    "kudos_given": N_("Danke gesagt: Kudos vergeben."),
    "kudos_taken": N_("Kudos zurückgenommen."),
    "idea_voted": N_("Ihre Stimme für diese Idee ist gezählt."),
    "idea_unvoted": N_("Ihre Stimme ist zurückgenommen."),
    "idea_status_set": N_("Der Status der Idee ist gespeichert."),
    "idea_merged": N_("Die Ideen sind zusammengeführt."),
    "settings_saved": N_("Ihre Einstellungen sind gespeichert."),
    "password_saved": N_("Ihr neues Passwort ist gespeichert."),
    "reported": N_("Danke für Ihre Meldung. Das Moderationsteam sieht sie sich an."),
    "watching": N_("Sie folgen jetzt diesem Thema."),
    "not_watching": N_("Sie folgen diesem Thema nicht mehr."),
    "watching_board": N_("Sie folgen jetzt diesem Bereich."),
    "not_watching_board": N_("Sie folgen diesem Bereich nicht mehr."),
    "verification_sent": N_("Wir haben Ihnen eine neue Bestätigungsmail geschickt."),
    "avatar_saved": N_("Ihr Profilbild ist gespeichert."),
    "avatar_removed": N_("Ihr Profilbild ist entfernt; wir zeigen wieder Ihre Initialen."),
    "sso_linked": N_("Ihr Firmenkonto ist jetzt mit diesem Konto verknüpft."),
    "sso_unlinked": N_("Die Verknüpfung mit dem Firmenkonto ist gelöst."),
    "webhook_created": N_(
        "Der Webhook ist angelegt. Sein Geheimnis steht unter „Geheimnis anzeigen“; tragen "
        "Sie es beim Empfänger ein."
    ),
    "webhook_on": N_("Der Webhook ist eingeschaltet."),
    "webhook_off": N_("Der Webhook ist abgeschaltet; es gehen keine Ereignisse mehr an ihn."),
    "webhook_saved": N_("Der Webhook ist gespeichert."),
    "webhook_redelivered": N_("Die Zustellung geht gleich noch einmal hinaus."),
    "webhook_secret_rotated": N_(
        "Der Webhook hat ein neues Geheimnis; ab jetzt gilt nur noch dieses. Tragen Sie es "
        "beim Empfänger ein."
    ),
    "webhook_deleted": N_("Der Webhook ist gelöscht."),
    "ranks_saved": N_("Die Ränge sind gespeichert; jedes Mitglied trägt schon seinen neuen Rang."),
    "token_revoked": N_("Das Token ist widerrufen; es öffnet die Schnittstelle nicht mehr."),
    "article_saved": N_("Der Artikel ist gespeichert."),
    "article_submit": N_(
        "Der Artikel wartet jetzt auf die Prüfung durch ein zweites Teammitglied."
    ),
    "article_return": N_("Der Artikel ist zurück im Entwurf."),
    "article_publish": N_("Der Artikel ist veröffentlicht (oder zur angegebenen Zeit geplant)."),
    "article_withdraw": N_("Der Artikel ist zurückgezogen."),
    "article_revision_saved": N_(
        "Ihre Änderung ist gespeichert. Sie wird sichtbar, sobald ein zweites Teammitglied "
        "sie freigibt."
    ),
    "article_approve": N_("Die Änderung ist freigegeben und im Artikel sichtbar."),
    "article_reject": N_("Die Änderung ist verworfen."),
    "spotlight_saved": N_("Der Eintrag für „Aktuell“ ist gespeichert."),
    "spotlight_deleted": N_("Der Eintrag für „Aktuell“ ist gelöscht."),
    "comment_posted": N_("Ihr Kommentar ist veröffentlicht."),
    "board_read": N_("Alle Themen dieses Bereichs sind als gelesen markiert."),
    "notices_read": N_("Ihre Benachrichtigungen sind als gelesen markiert."),
}


# A moderator's decision: on the queue page (?done=…) and, after a form on a thread page,
# as a flash there ("decided_<action>").
DECISIONS = {
    "hide": N_("Der Beitrag ist ausgeblendet."),
    "restore": N_("Der Beitrag ist wiederhergestellt."),
    "delete": N_("Der Beitrag ist gelöscht."),
    "dismiss": N_("Die Meldungen sind abgewiesen."),
    "approve": N_("Der Beitrag ist freigegeben."),
    "reject": N_("Der Beitrag ist abgelehnt."),
    "lock": N_("Das Thema ist geschlossen."),
    "unlock": N_("Das Thema ist wieder offen."),
    "move": N_("Das Thema ist verschoben."),
    "duplicate": N_("Das Thema ist als Duplikat geschlossen."),
    "not-duplicate": N_("Das Thema ist kein Duplikat mehr."),
    "suspend": N_("Das Mitglied ist vorübergehend gesperrt."),
    "ban": N_("Das Mitglied ist dauerhaft gesperrt."),
    "unsuspend": N_("Die Sperre ist aufgehoben."),
}
MESSAGES.update({f"decided_{action}": message for action, message in DECISIONS.items()})


def set_flash(response: Response, name: str) -> Response:
    assert name in MESSAGES, name
    response.set_cookie(
        COOKIE,
        name,
        max_age=120,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/",
    )
    return response


def take_flash(request: Request) -> str | None:
    """The message waiting for this page, if any (the caller clears the cookie)."""
    return MESSAGES.get(request.cookies.get(COOKIE, ""))


def clear_flash(request: Request, response: Response) -> None:
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE, path="/")
