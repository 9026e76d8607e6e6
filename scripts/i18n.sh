#!/usr/bin/env bash
# Refresh the message catalogs after changing texts: extract, then merge into each .po.
# Service errors are German strings passed to CommunityError and its subclasses; they are
# extracted too so that a page can show them in English. Compiled .mo files are not kept:
# community/i18n.py reads the .po files at startup.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
keywords=(-k N_ -k CommunityError -k NotFound -k Forbidden -k NotAuthenticated -k Conflict
  -k InvalidInput -k TooManyRequests -k CsrfError)
"$PYBABEL" extract -F babel.cfg "${keywords[@]}" --no-location --sort-output \
  --project=community --copyright-holder="" -o community/web/translations/messages.pot .
"$PYBABEL" update -i community/web/translations/messages.pot -d community/web/translations \
  --no-fuzzy-matching --ignore-obsolete
