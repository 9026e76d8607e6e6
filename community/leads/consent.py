"""The consent text: what exactly goes to sales. A new wording gets a new version, and
every consent records the version the customer saw, in the language they read it in."""

from __future__ import annotations

from community.i18n import DEFAULT_LOCALE, LOCALES, N_, supported

# The wording's date. A changed German text or English translation (the catalog's entry of
# CONSENT_TEXT) gets a new date, so no consent names a text it was not given to.
CONSENT_WORDING = "2026-11-27"


def consent_text_version(locale: str) -> str:
    """The version of the text as shown in `locale`: '2026-11-27.en.1'."""
    return f"{CONSENT_WORDING}.{supported(locale)}.1"


CONSENT_TEXT_VERSION = consent_text_version(DEFAULT_LOCALE)
CONSENT_TEXT_VERSIONS = frozenset(consent_text_version(locale) for locale in LOCALES)

CONSENT_TITLE = N_("Angebot anfragen / Kontakt durch den Vertrieb")

CONSENT_TEXT = N_(
    "Ich möchte vom Vertrieb kontaktiert werden. Dafür werden diese Angaben an das "
    "Vertriebssystem (CRM) des Unternehmens übermittelt: mein Spitzname, mein Klarname, "
    "meine Firma, meine E-Mail-Adresse, meine Telefonnummer (nur wenn angegeben), "
    "meine Nachricht und – wenn ich von einem Thema aus anfrage – der Link zu diesem Thema. "
    "Ich kann diese Einwilligung jederzeit in meinen Einstellungen widerrufen; dann wird der "
    "Vertrieb aufgefordert, die Angaben zu löschen."
)

# What the form lists, in this order; the lead.created payload carries exactly these.
PASSED_FIELDS = (
    ("nickname", N_("Spitzname")),
    ("real_name", N_("Klarname")),
    ("company", N_("Firma")),
    ("email", N_("E-Mail-Adresse")),
    ("phone", N_("Telefon (freiwillig)")),
    ("thread_url", N_("das Thema")),
)
