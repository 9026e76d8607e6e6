"""The built-in texts of the legal pages, shown until an admin writes their own or points
the page elsewhere. German is the msgid; the page shows the reader's language."""

from __future__ import annotations

from community.forum.markdown import render_markdown
from community.i18n import N_, gettext
from community.legal.service import LegalPageSlug

TITLES = {
    LegalPageSlug.impressum: N_("Impressum"),
    LegalPageSlug.datenschutz: N_("Datenschutzerklärung"),
    LegalPageSlug.netiquette: N_("Nutzungsbedingungen / Netiquette"),
}

# A matter-of-fact tone, as the customers asked for; each block is one catalog entry so a
# translation can be kept up to date paragraph by paragraph.
_NETIQUETTE: tuple[tuple[str, str], ...] = (
    (
        "p",
        N_(
            "Diese Community ist für sachliche Fragen und Antworten rund um unsere Produkte "
            "und Dienste da. Damit das so bleibt, gelten für alle Beiträge diese Regeln:"
        ),
    ),
    (
        "li",
        N_(
            "Bleiben Sie sachlich und höflich. Kritik ist willkommen, wenn sie sich auf die "
            "Sache bezieht und nicht auf Personen."
        ),
    ),
    ("li", N_("Keine Beleidigungen, Drohungen, Diskriminierung oder persönlichen Angriffe.")),
    (
        "li",
        N_(
            "Schreiben Sie unter Ihrem Spitznamen und veröffentlichen Sie keine persönlichen "
            "Daten – weder eigene (Kundennummer, Vertragsdaten, Telefonnummer) noch die "
            "anderer."
        ),
    ),
    (
        "li",
        N_(
            "Bleiben Sie beim Thema des Bereichs und suchen Sie vor einer neuen Frage, ob es "
            "schon eine Antwort gibt."
        ),
    ),
    ("li", N_("Keine Werbung, keine Kettenbriefe, keine Links auf rechtswidrige Inhalte.")),
    ("li", N_("Achten Sie Urheberrechte: Zitieren Sie knapp und nennen Sie die Quelle.")),
    (
        "p",
        N_(
            "Beiträge von Mitarbeiterinnen und Mitarbeitern des Unternehmens sind mit „Team“ "
            "gekennzeichnet."
        ),
    ),
    (
        "p",
        N_(
            "Moderatoren können Beiträge, die gegen diese Regeln verstoßen, ausblenden oder "
            "löschen, Themen schließen oder verschieben und Mitglieder bei wiederholten "
            "Verstößen vorübergehend oder dauerhaft sperren. Jede dieser Entscheidungen wird "
            "protokolliert."
        ),
    ),
    (
        "p",
        N_(
            "Verstößt ein Beitrag gegen diese Regeln, melden Sie ihn bitte dem "
            "Moderationsteam, statt darauf zu antworten."
        ),
    ),
)


def _netiquette_markdown() -> str:
    blocks: list[str] = []
    for kind, text in _NETIQUETTE:
        line = gettext(text)
        if kind == "li":
            # Consecutive items form one list: no blank line between them.
            if blocks and blocks[-1].startswith("- "):
                blocks[-1] += f"\n- {line}"
                continue
            line = f"- {line}"
        blocks.append(line)
    return "\n\n".join(blocks)


def default_html(slug: LegalPageSlug) -> str | None:
    """The built-in text, in the current language; None where the admin must write it."""
    if slug is LegalPageSlug.netiquette:
        return render_markdown(_netiquette_markdown())
    return None
