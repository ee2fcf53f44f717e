#!/usr/bin/env bash
# `make run`: migrate the warehouse, then start `airflow standalone` with everything inside the project:
# AIRFLOW_HOME=.airflow (git-ignored), DAGs from dags/, no example DAGs, the UI on 127.0.0.1:$AIRFLOW_PORT.
# With NEWSETL_MIRROR set the DAGs crawl that replay server instead of the live sites.
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT="$(pwd)"
export PATH="$PROJECT/.venv/bin:$PATH"

PORT="${AIRFLOW_PORT:-8080}"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$PROJECT/.airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$PROJECT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
# LocalExecutor starts one worker process per parallelism slot up front; 32 is too many for a laptop.
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$PORT"
# Task processes reach the API server through this URL; Airflow's default assumes port 8080.
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$PORT/execution/"
# Airflow runs tasks in other processes and folders: pin the data root to an absolute path.
DATA_ROOT="${NEWSETL_DATA_ROOT:-data}"
case "$DATA_ROOT" in
    *://*|/*) ;;
    *) DATA_ROOT="$PROJECT/$DATA_ROOT" ;;
esac
export NEWSETL_DATA_ROOT="$DATA_ROOT"
mkdir -p "$AIRFLOW_HOME"
case "$NEWSETL_DATA_ROOT" in *://*) ;; *) mkdir -p "$NEWSETL_DATA_ROOT" ;; esac

if python - "$PORT" <<'PY'
import socket, sys
with socket.socket() as s:
    sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
then
    echo "make run: port $PORT on 127.0.0.1 is already in use; choose another with AIRFLOW_PORT=…" >&2
    exit 1
fi

echo "make run: migrating the warehouse"
newsetl db upgrade

# Prints the address and login once the UI answers (standalone writes the generated password on first start).
python "$PROJECT/scripts/announce_ui.py" --port "$PORT" --airflow-home "$AIRFLOW_HOME" &
ANNOUNCER=$!
trap 'kill "$ANNOUNCER" 2>/dev/null || true' EXIT

echo "make run: starting Airflow (AIRFLOW_HOME=$AIRFLOW_HOME, data root $NEWSETL_DATA_ROOT${NEWSETL_MIRROR:+, mirror $NEWSETL_MIRROR})"
airflow standalone
