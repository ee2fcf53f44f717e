#!/usr/bin/env bash
# `make celery`: `make run`'s stack with Airflow's CeleryExecutor instead of the LocalExecutor, all on this
# machine and without Docker: a private Redis server (the distribution's redis-server) as the broker on
# 127.0.0.1:$REDIS_PORT (default 6380, so it never meets a Redis the system runs on 6379), its folder
# $AIRFLOW_HOME/redis, nothing saved to disk; the api-server, dag-processor, scheduler and triggerer; and
# $CELERY_WORKERS (default 2) `airflow celery worker` processes named worker-1@<host>, worker-2@<host>, …,
# each running up to $CELERY_CONCURRENCY (default 2) tasks at once. Each task instance records the worker
# that ran it as its host (newsetl/worker_host.py), so the UI shows how a run was spread.
#
# Airflow's metadata database is what `make run` uses (SQLite in $AIRFLOW_HOME) unless
# AIRFLOW__DATABASE__SQL_ALCHEMY_CONN names another; with SQLite, Celery keeps its task results in Redis,
# since SQLite takes one writer at a time and the workers would queue on it. Spread over machines, every
# machine needs the same configuration and reaches the same PostgreSQL, Redis, API server and data root
# (docs/operations.md, "Scaling out").
#
# Run directly (or through `make celery`), this starts scripts/run.sh --celery; run.sh sources this file
# for the functions below and starts and stops every process the same way as `make run`'s (Ctrl-C stops
# them all: the workers first, letting their running tasks end, Redis with the API server last).

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    exec "$(dirname "$0")/run.sh" --celery "$@"
fi

# Called by run.sh once its configuration is set, before the databases: the executor's settings.
celery_configure() {
    REDIS_PORT="${REDIS_PORT:-6380}"
    CELERY_WORKERS="${CELERY_WORKERS:-2}"
    CELERY_CONCURRENCY="${CELERY_CONCURRENCY:-2}"
    local name value
    for name in REDIS_PORT CELERY_WORKERS CELERY_CONCURRENCY; do
        value=${!name}
        case "$value" in
            '' | *[!0-9]* | 0*)
                say "$name must be a positive whole number, not '$value'" >&2
                exit 1
                ;;
        esac
    done
    REDIS_SERVER="$(command -v redis-server || true)"
    if [ -z "$REDIS_SERVER" ]; then
        say "redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)" >&2
        exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; then
        say "port $REDIS_PORT on 127.0.0.1 is already in use; choose another with REDIS_PORT=…" >&2
        exit 1
    fi
    export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
    export AIRFLOW__CELERY__BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
    case "${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite}" in
        sqlite*) export AIRFLOW__CELERY__RESULT_BACKEND="${AIRFLOW__CELERY__RESULT_BACKEND:-redis://127.0.0.1:$REDIS_PORT/1}" ;;
        # Airflow's async engine would otherwise use asyncpg, which is not installed; psycopg 3 does both.
        postgresql+psycopg://*)
            export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC:-$AIRFLOW__DATABASE__SQL_ALCHEMY_CONN}"
            ;;
    esac
    export AIRFLOW__CELERY__WORKER_CONCURRENCY="$CELERY_CONCURRENCY"
    # Redis hands a task that is not acknowledged within this many seconds to another worker; tasks are
    # acknowledged when they end, so it must exceed the longest task's timeout (a backfill crawl's 6 hours).
    export AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT="${AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT:-86400}"
    # Each worker reports its own name as the task's host (the variable is set per worker below).
    export AIRFLOW__CORE__HOSTNAME_CALLABLE=newsetl.worker_host.hostname
}

# Called by run.sh before Airflow's components start: the broker, up and answering.
celery_start_broker() {
    local dir="$AIRFLOW_HOME/redis"
    mkdir -p "$dir"
    spawn "$(fresh_log redis)" "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
        --save '' --appendonly no --daemonize no
    WATCH+=("redis=$SPAWNED")
    LAST+=("$SPAWNED") # stopped after the workers, which hand their unfinished tasks back to it
    say "started Redis on 127.0.0.1:$REDIS_PORT (its log: $LOGS/redis.log)"
    until (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; do
        check_watched
        pause 0.2
    done
}

# The workers' component names, for the console's error follower.
celery_worker_names() {
    local i
    for i in $(seq 1 "$CELERY_WORKERS"); do printf 'worker-%s ' "$i"; done
}

# Called by run.sh once the API server answers (a task reports to it from its first moment).
celery_start_workers() {
    local name host
    host="$(hostname)"
    for name in $(celery_worker_names); do
        # Logs are files of this machine, read by the API server directly: no log server per worker
        # (two on one machine would want the same port).
        spawn "$(fresh_log "$name")" env NEWSETL_WORKER_NAME="$name@$host" \
            airflow celery worker --celery-hostname "$name@$host" --concurrency "$CELERY_CONCURRENCY" \
            --skip-serve-logs
        WATCH+=("$name=$SPAWNED")
    done
    say "started $CELERY_WORKERS Celery workers ($(celery_worker_names | sed 's/ $//'); their logs: $LOGS/worker-N.log)"
}
