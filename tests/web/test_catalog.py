"""Every text of the pages is in the English catalog, and no compiled catalog is committed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "community/web/translations/en/LC_MESSAGES/messages.po"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "CommunityError": None,
    "NotFound": None,
    "Forbidden": None,
    "NotAuthenticated": None,
    "Conflict": None,
    "InvalidInput": None,
    "TooManyRequests": None,
    "CsrfError": None,
}


def test_every_marked_text_has_an_english_translation() -> None:
    catalog = read_po(PO.open("rb"), locale="en")
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    missing, found = [], 0
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "community", method_map, options, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if not isinstance(msgid, str) or not msgid:
            continue
        found += 1
        entry = catalog.get(msgid)
        translated = entry is not None and (
            all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string)
        )
        if not translated:
            missing.append(msgid)
    assert found > 150  # the templates and services were really read
    assert not missing, f"run scripts/i18n.sh and translate: {sorted(set(missing))}"


def test_no_compiled_catalog_is_committed() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "community/web/translations"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked and not [name for name in tracked if name.endswith(".mo")]


def test_messages_built_at_run_time_are_in_the_catalog() -> None:
    import pytest

    from community import i18n
    from community.accounts.security import password_problem
    from community.accounts.validation import nickname_problem
    from community.errors import CommunityError
    from community.forum.service import check_body, check_title
    from community.web.messages import RUNTIME_MESSAGES

    produced = [
        password_problem("kurz"),
        password_problem("x" * 500),
        nickname_problem("ab"),
    ]
    for check, value in ((check_title, "zu kurz"), (check_body, "x" * 20_001)):
        with pytest.raises(CommunityError) as raised:
            check(value)
        produced.append(raised.value.message)
    i18n.set_locale("en")
    try:
        for message in produced:
            assert message in RUNTIME_MESSAGES, message
            assert i18n.gettext(message) != message, message
    finally:
        i18n.set_locale("de")
