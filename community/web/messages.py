"""Service messages that are built at run time (f-strings with limits), marked here so
pybabel extracts them and a page can show them in English. tests/web/test_catalog.py
raises each one in its service and checks that the catalog knows it, so a changed limit
cannot silently fall back to German."""

from __future__ import annotations

from community.i18n import N_

RUNTIME_MESSAGES = (
    N_("Der Titel muss 10 bis 150 Zeichen lang sein."),
    N_("Ein Beitrag darf höchstens 20000 Zeichen lang sein."),
    N_("Das Passwort muss mindestens 10 Zeichen lang sein."),
    N_("Das Passwort darf höchstens 128 Zeichen lang sein."),
    N_("Der Spitzname muss 3 bis 20 Zeichen lang sein."),
    # Returned (not raised) by the validators, then raised by the services.
    N_("Dieses Passwort ist zu verbreitet; bitte wählen Sie ein anderes."),
    N_("Das Passwort darf nicht der Spitzname sein."),
    N_("Das Passwort darf nicht die E-Mail-Adresse sein."),
    N_("Der Spitzname enthält unsichtbare Steuerzeichen."),
    N_("Der Spitzname darf nur Buchstaben, Ziffern, '.', '_' und '-' enthalten."),
    N_("Dieser Spitzname ist reserviert."),
    N_("Der Text enthält ein NUL-Zeichen."),
    N_("Der Text enthält ungültige Unicode-Zeichen."),
    # community/ratelimit.py's default (login, password reset).
    N_("Zu viele Versuche. Bitte warten Sie kurz."),
)
