#!/usr/bin/env bash
# Refresh the lock files from the lower bounds in pyproject.toml (which stay for library use):
# requirements.lock (the application with every backend client: start.sh, the Dockerfile) and
# requirements-test.lock (plus the test tools: test.sh, CI). Pins and hashes for Python 3.11+
# on every platform. `bash scripts/lock.sh --upgrade` moves every pin to the newest release.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/uv ] || .venv/bin/pip install -q uv
compile() {
  .venv/bin/uv pip compile pyproject.toml --python-version 3.11 --universal --generate-hashes \
    --quiet --custom-compile-command "bash scripts/lock.sh" "$@"
}
compile --extra postgres --extra redis --extra meili -o requirements.lock "${@}"
compile --extra test -o requirements-test.lock "${@}"
