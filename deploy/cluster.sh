#!/usr/bin/env bash
# OneStop as a cluster on this machine: PostgreSQL, one gunicorn with 2 web processes and 2 `onestop
# worker` processes, all sharing nothing but the database (and Redis for the rate limits, when it
# answers). Ctrl-C stops everything. `make cluster-demo` runs it; deploy/README.md explains it.
#
#   ONESTOP_CLUSTER_DB   database URL (default: postgresql+psycopg://postgres@127.0.0.1:5432/onestop_cluster,
#                        created when missing)
#   WEB_PORT (8000)  WEB_WORKERS (2)  WORKERS (2)  DEMO_CASES (200, seeded into an empty database only)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
[ -x "$BIN/onestop" ] || { echo "run 'make install' first" >&2; exit 1; }

DB_NAME=onestop_cluster
export ONESTOP_DATABASE_URL="${ONESTOP_CLUSTER_DB:-postgresql+psycopg://postgres@127.0.0.1:5432/$DB_NAME}"
WEB_PORT="${WEB_PORT:-8000}"
WEB_WORKERS="${WEB_WORKERS:-2}"
WORKERS="${WORKERS:-2}"
RUN_DIR="instance/cluster"
mkdir -p "$RUN_DIR"

if [ -z "${ONESTOP_CLUSTER_DB:-}" ]; then
    pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
    if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" \
            | grep -q 1; then
        echo "creating database $DB_NAME"
        createdb -h 127.0.0.1 -U postgres "$DB_NAME"
    fi
fi

# Every process must sign sessions with the same key, or a login made on one would not be known to
# the others; on several hosts set the same ONESTOP_SECRET_KEY everywhere (deploy/README.md).
if [ -z "${ONESTOP_SECRET_KEY:-}" ]; then
    [ -s "$RUN_DIR/secret_key" ] || (umask 077 && "$BIN/python" -c 'import secrets; print(secrets.token_hex(32))' \
        > "$RUN_DIR/secret_key")
    ONESTOP_SECRET_KEY="$(cat "$RUN_DIR/secret_key")"
    export ONESTOP_SECRET_KEY
fi
# Login attempts are counted in Redis, so the limit holds across all web processes; without Redis
# each process counts on its own (memory://).
if [ -z "${ONESTOP_RATELIMIT_STORAGE:-}" ]; then
    if "$BIN/python" -c 'import redis; redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping()' \
            2>/dev/null; then
        export ONESTOP_RATELIMIT_STORAGE="redis://127.0.0.1:6379/0"
    else
        echo "warning: Redis does not answer on 127.0.0.1:6379; rate limits are counted per process" >&2
        export ONESTOP_RATELIMIT_STORAGE="memory://"
    fi
fi
PROMETHEUS_MULTIPROC_DIR="$(mktemp -d -t onestop-metrics-XXXXXX)"
export PROMETHEUS_MULTIPROC_DIR

"$BIN/onestop" db upgrade
"$BIN/onestop" deploy bpmn/
if ! "$BIN/onestop" case show 1 >/dev/null 2>&1; then
    "$BIN/onestop" demo --cases "${DEMO_CASES:-200}"
fi

PIDS=()
stop_all() {
    trap - INT TERM EXIT
    echo
    echo "stopping ${#PIDS[@]} processes"
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

"$BIN/gunicorn" -c deploy/gunicorn.conf.py -w "$WEB_WORKERS" -b "127.0.0.1:$WEB_PORT" 'webui.app:create_app()' \
    2> "$RUN_DIR/web.log" &
PIDS+=($!)
for n in $(seq 1 "$WORKERS"); do
    "$BIN/onestop" worker --interval 2 2> "$RUN_DIR/worker-$n.log" &
    PIDS+=($!)
done

for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fsS "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null || { echo "the web processes did not start:" >&2;
    tail -n 20 "$RUN_DIR/web.log" >&2; exit 1; }

cat <<EOF

OneStop cluster is up (database ${ONESTOP_DATABASE_URL%%\?*})
  web:      http://127.0.0.1:$WEB_PORT/   ($WEB_WORKERS gunicorn processes; demo logins csu, officer, manager,
            analyst, admin with password 'demo')
  health:   http://127.0.0.1:$WEB_PORT/healthz
  metrics:  http://127.0.0.1:$WEB_PORT/metrics
  workers:  $WORKERS x onestop worker
  logs:     $RUN_DIR/web.log, $RUN_DIR/worker-*.log (JSON lines)
  rate limits: $ONESTOP_RATELIMIT_STORAGE
Ctrl-C stops everything.
EOF

# Stop everything as soon as any one process ends (or on Ctrl-C).
wait -n "${PIDS[@]}" || true
echo "a process ended; see $RUN_DIR/*.log" >&2
