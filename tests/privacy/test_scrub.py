"""What the scrubbing of stored payloads replaces, and what it leaves alone."""

from __future__ import annotations

from community.events.catalog import nickname_fields
from community.privacy.scrub import REMOVED, OldIdentity, clean

OLD = OldIdentity(
    nickname="Fritzbox",
    email="klara@vogel.example",
    real_name="Klara Kanarienvogel",
    company="Telekom",
    pseudonym="Gelöschtes Mitglied 7",
)


def test_events_lose_the_nickname_in_name_fields_but_others_words_stay() -> None:
    payload = {
        "author": "Fritzbox",
        "asker": "Helferlein",
        "title": "Fritzbox 7590 am Telekom-Anschluss",
        "note": "Rückruf an klara@vogel.example, Frau Klara Kanarienvogel",
        "nested": [{"by": "Fritzbox"}],
    }
    assert clean(payload, OLD, nickname_keys=nickname_fields()) == {
        "author": "Gelöschtes Mitglied 7",
        "asker": "Helferlein",
        # A device name is a word, not the member; the company is left to its field.
        "title": "Fritzbox 7590 am Telekom-Anschluss",
        "note": f"Rückruf an {REMOVED}, Frau {REMOVED}",
        "nested": [{"by": "Gelöschtes Mitglied 7"}],
    }


def test_jobs_lose_the_nickname_as_a_word_but_not_inside_one() -> None:
    payload = {"greeting": "Hallo fritzbox,", "subject": "Fritzboxen im Test", "n": 3}
    assert clean(payload, OLD) == {
        "greeting": "Hallo Gelöschtes Mitglied 7,",
        "subject": "Fritzboxen im Test",
        "n": 3,
    }


def test_a_one_word_real_name_is_not_replaced_inside_text() -> None:
    old = OldIdentity(
        nickname="Zaunkoenig",
        email="z@example.com",
        real_name="Klara",
        company=None,
        pseudonym="Gelöschtes Mitglied 8",
    )
    # "Klara" alone could be anyone's first name in anyone's sentence.
    assert clean({"note": "Klara hat geholfen"}, old) == {"note": "Klara hat geholfen"}


def test_no_mail_is_attempted_to_an_erased_accounts_placeholder(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from community.config import get_settings
    from community.mailer import OutgoingMail, send_mail

    # Nothing listens on port 1: an attempt to send would raise.
    monkeypatch.setattr(get_settings(), "smtp_url", "smtp://127.0.0.1:1")
    send_mail(OutgoingMail(to="geloescht-7@erased.invalid", subject="Ergebnis", text="…"))
