#!/usr/bin/env bash
# Load test: PostgreSQL + Redis, `community serve --workers 2` and one `community worker`,
# the embedded search index (written by the worker only, read by both app processes).
#
#   bash benchmarks/loadtest/run.sh                   # 10,000 threads, then grown to 100,000
#   LOAD_STEPS="1000" LOAD_DURATION=15 bash benchmarks/loadtest/run.sh     # a smoke run
#
# For each size in LOAD_STEPS the database is grown to that many threads (about ten posts
# each, benchmarks/seed.py), the index rebuilt (`community reindex`), app and worker started,
# and benchmarks/loadtest/drive.py run for LOAD_DURATION seconds at LOAD_CONCURRENCY.
# At the end the thread page's percentiles are compared across the sizes, the processes
# are stopped and the database is dropped (LOAD_KEEP=1 keeps it and the data folder).
#
# Settings of this environment: COMMUNITY_ANTISPAM_ENABLED=false (posting limits would
# refuse a few hundred replies a minute from 200 members), COMMUNITY_REDIS_URL (limits
# shared by the processes), no COMMUNITY_MEILI_URL (embedded search).
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PYTHON:-.venv/bin/python}
COMMUNITY=${COMMUNITY_BIN:-$(dirname "$PY")/community}
PG=${LOAD_PG:-postgresql://postgres@127.0.0.1:5432}
DB=${LOAD_DB:-community_load}
STEPS=${LOAD_STEPS:-"10000 100000"}
DURATION=${LOAD_DURATION:-60}
CONCURRENCY=${LOAD_CONCURRENCY:-16}
USERS=${LOAD_USERS:-200}
PORT=${LOAD_PORT:-8765}
WORK=$(mktemp -d /tmp/community-load.XXXXXX)

export COMMUNITY_DATABASE_URL="$PG/$DB"
export COMMUNITY_DATA_DIR="$WORK/data"
export COMMUNITY_REDIS_URL=${LOAD_REDIS_URL:-redis://127.0.0.1:6379/9}
export COMMUNITY_ANTISPAM_ENABLED=false
export COMMUNITY_RUN_WORKER_IN_PROCESS=false
export COMMUNITY_PUBLIC_URL="http://127.0.0.1:$PORT"
unset COMMUNITY_MEILI_URL COMMUNITY_ENVIRONMENT

APP_PID=""
WORKER_PID=""

stop() {
    # Only the processes this script started, by their pid.
    for pid in $APP_PID $WORKER_PID; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $APP_PID $WORKER_PID; do
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    APP_PID=""
    WORKER_PID=""
}

cleanup() {
    stop
    if [ "${LOAD_KEEP:-0}" = 1 ]; then
        echo "kept: database $DB, data and logs in $WORK"
    else
        psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

threads_now() {
    psql "$PG/$DB" -Atc "SELECT count(*) FROM threads" 2>/dev/null || echo 0
}

if [ "${LOAD_REUSE:-0}" != 1 ]; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    psql "$PG/postgres" -qc "CREATE DATABASE $DB"
fi
"$COMMUNITY" migrate >/dev/null

for target in $STEPS; do
    have=$(threads_now)
    if [ "$target" -gt "$have" ]; then
        echo "seeding $((target - have)) threads (to $target) ..."
        "$PY" benchmarks/seed.py --threads $((target - have)) --database-url "$PG/$DB"
        # The seed rewrites every post once (its counters), leaving as many dead rows as
        # live ones; a forum in service has long been vacuumed. Without this, autovacuum
        # takes a core in the middle of the measurement and every scan wades through them.
        psql "$PG/$DB" -qc "VACUUM (ANALYZE)"
    fi
    "$COMMUNITY" reindex

    "$COMMUNITY" worker >>"$WORK/worker.log" 2>&1 &
    WORKER_PID=$!
    "$COMMUNITY" serve --no-demo --workers 2 --port "$PORT" >>"$WORK/app.log" 2>&1 &
    APP_PID=$!
    ready=""
    for _ in $(seq 1 120); do
        if curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then ready=1; break; fi
        kill -0 "$APP_PID" 2>/dev/null || break
        sleep 1
    done
    if [ -z "$ready" ]; then
        echo "the app did not become ready; its log:" >&2
        tail -30 "$WORK/app.log" >&2
        exit 1
    fi

    "$PY" benchmarks/loadtest/drive.py --url "http://127.0.0.1:$PORT" \
        --database-url "$PG/$DB" --duration "$DURATION" --concurrency "$CONCURRENCY" \
        --users "$USERS" --app-pid "$APP_PID" --worker-pid "$WORKER_PID" \
        --label "$target threads" --results "$WORK/results.jsonl" || status=$?
    queued=$(psql "$PG/$DB" -Atc "SELECT count(*) FROM jobs WHERE status IN ('queued','running')")
    failed=$(psql "$PG/$DB" -Atc "SELECT count(*) FROM jobs WHERE status = 'failed'")
    echo "jobs left queued right after the run: $queued, failed: $failed"
    stop
    if [ "${status:-0}" != 0 ]; then
        echo "errors during the run; app log: $WORK/app.log" >&2
        LOAD_KEEP=1
        exit "$status"
    fi
done

"$PY" benchmarks/loadtest/drive.py --compare "$WORK/results.jsonl"
