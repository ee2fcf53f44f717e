#!/usr/bin/env bash
# `make demo`: the whole pipeline offline. Builds the recorded fixture site (a WARC of a small
# pravda.com.ua), serves it with `newsetl replay` on a free port of 127.0.0.1, and runs `make run`'s stack
# with NEWSETL_MIRROR pointing at it, a separate data root (data/demo) and Airflow home (.airflow/demo).
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT="$(pwd)"
export PATH="$PROJECT/.venv/bin:$PATH"

DEMO_ROOT="${NEWSETL_DATA_ROOT:-$PROJECT/data/demo}"
SITE_DIR="$PROJECT/data/demo-site"
if [ ! -s "$SITE_DIR/site.warc.gz" ]; then
    echo "make demo: building the fixture site into $SITE_DIR"
    python tests/site/build_site.py "$SITE_DIR"
fi

REPLAY_LOG="$(mktemp -t newsetl-replay.XXXXXX)"
newsetl replay "$SITE_DIR/site.warc.gz" --port "${REPLAY_PORT:-0}" >"$REPLAY_LOG" 2>&1 &
REPLAY=$!
trap 'kill "$REPLAY" 2>/dev/null || true; rm -f "$REPLAY_LOG"' EXIT

# The replay server's first line names its address ("serving N recorded URLs at http://127.0.0.1:PORT").
for _ in $(seq 1 100); do
    if grep -q "serving" "$REPLAY_LOG"; then break; fi
    if ! kill -0 "$REPLAY" 2>/dev/null; then cat "$REPLAY_LOG" >&2; exit 1; fi
    sleep 0.1
done
MIRROR="$(grep -o 'http://[0-9.:]*' "$REPLAY_LOG" | head -n 1)"
if [ -z "$MIRROR" ]; then
    echo "make demo: the replay server did not start:" >&2
    cat "$REPLAY_LOG" >&2
    exit 1
fi
echo "make demo: replaying the fixture site at $MIRROR"

export NEWSETL_MIRROR="$MIRROR"
# The fixture site holds a recorded copy of every enabled source, so the DAG crawls them all, as in
# production; NEWSETL_INGEST_SOURCES=pravda narrows it.
export NEWSETL_DATA_ROOT="$DEMO_ROOT"
# Its own Airflow home (inside the git-ignored .airflow/), so demo runs and paused/unpaused switches never
# mix with `make run`'s; there the DAGs start switched on, so the first ingest runs as soon as it is parsed.
export AIRFLOW_HOME="${AIRFLOW_HOME:-$PROJECT/.airflow/demo}"
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="${AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION:-False}"
# The replay server is local: no need to be polite to it.
export NEWSETL_DOWNLOAD_DELAY="${NEWSETL_DOWNLOAD_DELAY:-0}"
export NEWSETL_AUTOTHROTTLE="${NEWSETL_AUTOTHROTTLE:-0}"
"$PROJECT/scripts/run.sh"
