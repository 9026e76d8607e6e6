#!/usr/bin/env bash
# The README's first command: install and start the forum on the embedded default
# (SQLite file in ./data, worker in-process, demo content and an admin on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q --upgrade pip
# The locked versions (requirements.lock, see scripts/lock.sh), then the forum itself.
.venv/bin/pip install -q -r requirements.lock
.venv/bin/pip install -q --no-deps -e .
exec .venv/bin/community serve "$@"
