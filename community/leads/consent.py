"""The consent text: what exactly goes to sales. A new wording gets a new version, and
every consent records the version the customer saw."""

from __future__ import annotations

CONSENT_TEXT_VERSION = "2026-11-27.de.1"

CONSENT_TITLE = "Angebot anfragen / Kontakt durch den Vertrieb"

CONSENT_TEXT = (
    "Ich möchte vom Vertrieb kontaktiert werden. Dafür werden diese Angaben an das "
    "Vertriebssystem (CRM) des Unternehmens übermittelt: mein Spitzname, mein Klarname, "
    "meine Firma, meine E-Mail-Adresse, meine Telefonnummer (nur wenn angegeben), "
    "meine Nachricht und – wenn ich von einem Thema aus anfrage – der Link zu diesem Thema. "
    "Ich kann diese Einwilligung jederzeit in meinen Einstellungen widerrufen; dann wird der "
    "Vertrieb aufgefordert, die Angaben zu löschen."
)

# What the form lists, in this order; the lead.created payload carries exactly these.
PASSED_FIELDS = (
    ("nickname", "Spitzname"),
    ("real_name", "Klarname"),
    ("company", "Firma"),
    ("email", "E-Mail-Adresse"),
    ("phone", "Telefon (freiwillig)"),
    ("thread_url", "das Thema"),
)
