#!/usr/bin/env bash
# The README's second command: install the test extras and run the whole suite.
# Set COMMUNITY_TEST_POSTGRES_URL to run every test against PostgreSQL as well.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q --upgrade pip
# The locked versions (requirements-test.lock, see scripts/lock.sh), then the forum itself.
.venv/bin/pip install -q -r requirements-test.lock
.venv/bin/pip install -q --no-deps -e .
# axe-core for the browser tests' accessibility checks, where npm is there (they skip without).
if command -v npm >/dev/null && [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tests/browser --silent --no-audit --no-fund
fi
if command -v npm >/dev/null && [ ! -d tests/sso/node_modules/oidc-provider ]; then npm ci --prefix tests/sso --silent --no-audit --no-fund; fi  # oidc-provider for tests/sso
# Three test processes on the two cores: the browser tests and live servers spend much of
# their time waiting on Chromium and sockets, which a third process fills (before the
# suite's temporary files moved into memory: 5 min 32 s with two, 5 min 15 s with three;
# since, 2,201 tests in 4 min 3 s with three on a quiet machine). worksteal: a
# process that runs out takes tests from another's queue, so all end together.
exec .venv/bin/pytest -n 3 --dist worksteal "$@"
