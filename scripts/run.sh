#!/usr/bin/env bash
# `make run`: migrate the warehouse, then run Airflow's four components (api-server, dag-processor, scheduler,
# triggerer) with everything inside the project: AIRFLOW_HOME=.airflow (git-ignored), DAGs from dags/, no
# example DAGs, the UI on 127.0.0.1:$AIRFLOW_PORT. With NEWSETL_MIRROR set the DAGs crawl that replay server
# instead of the live sites. `scripts/run.sh --demo` (`make demo`) first builds and replays the recorded
# fixture site and points the stack at it (see scripts/demo.sh).
#
# The console shows this script's few lines, the banner (scripts/announce_ui.py) and the components' errors;
# each component's whole output goes to $AIRFLOW_HOME/logs/<component>.log. This is what `airflow standalone`
# does, without its echo of every line of every component, and with a stop that leaves nothing behind: each
# process this script starts gets a session of its own, and Ctrl-C (or SIGTERM/SIGHUP) stops all of them and
# everything they started, SIGKILL after a grace period. That holds at any point, start-up included.
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT="$(pwd)"
export PATH="$PROJECT/.venv/bin:$PATH"

DEMO=0
CELERY=0
for arg in "$@"; do
    case "$arg" in
        --demo) DEMO=1 ;;
        --celery) CELERY=1 ;; # scripts/celery.sh (`make celery`): the CeleryExecutor, Redis and workers
    esac
done
NAME="make run"
if [ "$DEMO" = 1 ]; then NAME="make demo"; fi
if [ "$CELERY" = 1 ]; then
    NAME="make celery"
    # shellcheck source=scripts/celery.sh
    . "$PROJECT/scripts/celery.sh"
fi
say() { printf '%s: %s\n' "$NAME" "$*"; }

# --- Processes -------------------------------------------------------------------------------------------
# Seconds the processes get to stop after SIGTERM (Airflow's components need about 15 on a loaded laptop).
STOP_GRACE="${NEWSETL_STOP_GRACE:-30}"
STARTED=()  # every process started with `spawn`; each leads its own session and process group
LAST=()     # of those, the ones stop_all stops last
SPAWNED=""
STOPPING=0
FORCE=0
if command -v setsid >/dev/null 2>&1; then
    NEW_SESSION=(setsid)
else  # macOS has no setsid(1)
    NEW_SESSION=(python -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])')
fi

# spawn LOG COMMAND…: start COMMAND in the background in a session of its own, its output appended to LOG
# ("-": the console). Its own session: the terminal's Ctrl-C reaches only this script, which then stops
# everything in order, and one signal to the process group reaches the component and all it started.
spawn() {
    local log=$1
    shift
    if [ "$log" = "-" ]; then
        "${NEW_SESSION[@]}" "$@" </dev/null &
    else
        "${NEW_SESSION[@]}" "$@" </dev/null >>"$log" 2>&1 &
    fi
    SPAWNED=$!
    STARTED+=("$SPAWNED")
}

# step LOG COMMAND…: a start-up step; runs like `spawn` and waits for it (a signal interrupts the wait at once).
step() {
    spawn "$@"
    local status=0
    wait "$SPAWNED" || status=$?
    return "$status"
}

# The given processes and all their descendants that are still running (zombies and this function's own
# subshell left out).
family() {
    local self=$BASHPID
    ps -A -o pid= -o ppid= -o stat= | awk -v roots="$*" -v self="$self" '
        BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
        $3 !~ /^Z/ { parent[$1] = $2 }
        END {
            do {
                grown = 0
                for (p in parent)
                    if (!(p in keep) && (parent[p] in keep) && p != self) { keep[p] = 1; grown = 1 }
            } while (grown)
            for (p in keep) if (p in parent) print p
        }' | tr '\n' ' '
}

# The pids in $1 that are neither in $2 nor this script.
without() {
    local pid out=""
    for pid in $1; do
        case " $2 $$ " in *" $pid "*) ;; *) out="$out $pid" ;; esac
    done
    echo "${out# }"
}

# stop_round EXCLUDE: SIGTERM to each process group this script started and to each descendant (a crawl runs
# in a session of its own, under its task's process), except the processes in EXCLUDE; waits until they are
# gone; SIGKILL to whatever is left after STOP_GRACE seconds or a second Ctrl-C. Processes whose parent died
# are remembered from the earlier checks, so a reparented child is stopped too.
stop_round() {
    local exclude=$1 known pid deadline
    known=$(family $$)
    known=$(without "$known" "$exclude")
    if [ -z "$known" ]; then return 0; fi
    for pid in "${STARTED[@]}"; do
        case " $exclude " in *" $pid "*) ;; *) kill -TERM -- "-$pid" 2>/dev/null || true ;; esac
    done
    # shellcheck disable=SC2086
    kill -TERM $known 2>/dev/null || true
    deadline=$((SECONDS + STOP_GRACE))
    while :; do
        sleep 0.5
        known=$(family $$ $known)
        known=$(without "$known" "$exclude")
        if [ -z "$known" ]; then return 0; fi
        if [ "$FORCE" = 1 ] || [ "$SECONDS" -ge "$deadline" ]; then
            say "killing what still runs:"
            # shellcheck disable=SC2086
            ps -o pid= -o args= -p "$(echo $known | tr ' ' ',')" | cut -c1-120 | sed 's/^/    /' || true
            for pid in "${STARTED[@]}"; do
                case " $exclude " in *" $pid "*) ;; *) kill -KILL -- "-$pid" 2>/dev/null || true ;; esac
            done
            # shellcheck disable=SC2086
            kill -KILL $known 2>/dev/null || true
            return 0
        fi
    done
}

# Stops every process this script started and everything they started, in two rounds: first all but the
# API server and the replay server (LAST), since a task that is stopped still reports its end to the API
# server (else it retries until it is killed) and a crawl still reads from the replay; then those.
stop_all() {
    if [ "$STOPPING" = 1 ]; then return; fi
    STOPPING=1
    trap 'FORCE=1' INT TERM HUP
    local running keep=""
    running=$(family $$)
    running=$(without "$running" "")
    if [ -z "$running" ]; then return; fi
    say "stopping (Ctrl-C again to stop at once)"
    if [ "${#LAST[@]}" -gt 0 ]; then keep=$(family "${LAST[@]}"); fi
    stop_round "$keep"
    stop_round ""
    wait 2>/dev/null || true
    say "stopped"
}
# After the stop, end by the same signal, as a caller (make, a shell loop) expects of an interrupted command.
for signal in INT TERM HUP; do
    # shellcheck disable=SC2064
    trap "stop_all; trap - $signal; kill -$signal \$\$" "$signal"
done
trap 'stop_all' EXIT

# --- Configuration ---------------------------------------------------------------------------------------
PORT="${AIRFLOW_PORT:-8080}"
if [ "$DEMO" = 1 ]; then
    # Its own Airflow home and data root, so demo runs and paused/unpaused switches never mix with
    # `make run`'s; there the DAGs start switched on, so the first ingest runs as soon as it is parsed.
    export AIRFLOW_HOME="${AIRFLOW_HOME:-$PROJECT/.airflow/demo}"
    export NEWSETL_DATA_ROOT="${NEWSETL_DATA_ROOT:-$PROJECT/data/demo}"
    export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="${AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION:-False}"
    # The replay server is local: no need to be polite to it.
    export NEWSETL_DOWNLOAD_DELAY="${NEWSETL_DOWNLOAD_DELAY:-0}"
    export NEWSETL_AUTOTHROTTLE="${NEWSETL_AUTOTHROTTLE:-0}"
fi
export AIRFLOW_HOME="${AIRFLOW_HOME:-$PROJECT/.airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$PROJECT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
# What `airflow standalone` would insist on: tasks run in local processes.
export AIRFLOW__CORE__EXECUTOR="${AIRFLOW__CORE__EXECUTOR:-LocalExecutor}"
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
LOGS="$AIRFLOW_HOME/logs"
mkdir -p "$AIRFLOW_HOME" "$LOGS"
case "$NEWSETL_DATA_ROOT" in *://*) ;; *) mkdir -p "$NEWSETL_DATA_ROOT" ;; esac

if python - "$PORT" <<'PY'
import socket, sys
with socket.socket() as s:
    sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
then
    say "port $PORT on 127.0.0.1 is already in use; choose another with AIRFLOW_PORT=…" >&2
    exit 1
fi
if [ "$CELERY" = 1 ]; then celery_configure; fi

# A component's log of the previous start is kept as <component>.log.1.
fresh_log() {
    if [ -e "$LOGS/$1.log" ]; then mv -f "$LOGS/$1.log" "$LOGS/$1.log.1"; fi
    : >"$LOGS/$1.log"
    printf '%s\n' "$LOGS/$1.log"
}

# --- The demo's replayed site ----------------------------------------------------------------------------
WATCH=()  # name=pid of the long-running processes; one of them ending stops the whole stack
if [ "$DEMO" = 1 ]; then
    SITE_DIR="${NEWSETL_DEMO_SITE:-$PROJECT/data/demo-site}"
    if [ ! -s "$SITE_DIR/site.warc.gz" ]; then
        say "building the fixture site into $SITE_DIR"
        # Built aside and then moved, so an interrupted build never passes for a built site.
        rm -rf "$SITE_DIR.building"
        BUILD_LOG="$(fresh_log build-site)"
        if ! step "$BUILD_LOG" python tests/site/build_site.py "$SITE_DIR.building"; then
            say "building the fixture site failed:" >&2
            tail -n 20 "$BUILD_LOG" >&2
            exit 1
        fi
        rm -rf "$SITE_DIR"
        mv "$SITE_DIR.building" "$SITE_DIR"
    fi
    REPLAY_LOG="$(fresh_log replay)"
    spawn "$REPLAY_LOG" newsetl replay "$SITE_DIR/site.warc.gz" --port "${REPLAY_PORT:-0}"
    WATCH+=("replay=$SPAWNED")
    # The replay server's first line names its address ("serving N recorded URLs at http://127.0.0.1:PORT").
    MIRROR=""
    for _ in $(seq 1 300); do
        MIRROR="$(grep -o 'serving .* at http://[0-9.:]*' "$REPLAY_LOG" | grep -o 'http://[0-9.:]*' || true)"
        if [ -n "$MIRROR" ] || ! kill -0 "$SPAWNED" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if [ -z "$MIRROR" ]; then
        say "the replay server did not start:" >&2
        cat "$REPLAY_LOG" >&2
        exit 1
    fi
    say "replaying the fixture site at $MIRROR"
    export NEWSETL_MIRROR="$MIRROR"
fi

# --- Databases -------------------------------------------------------------------------------------------
say "migrating the warehouse"
step - newsetl db upgrade
say "preparing Airflow's metadata database in $AIRFLOW_HOME"
MIGRATE_LOG="$(fresh_log db-migrate)"
if ! step "$MIGRATE_LOG" airflow db migrate; then
    say "airflow db migrate failed; the end of $MIGRATE_LOG:" >&2
    tail -n 20 "$MIGRATE_LOG" >&2
    exit 1
fi

# --- Airflow ---------------------------------------------------------------------------------------------
# A watched process (name=pid in WATCH) that ended on its own: say which and why, and stop everything.
check_watched() {
    local entry name pid status
    for entry in "${WATCH[@]}"; do
        name=${entry%%=*}
        pid=${entry#*=}
        if ! kill -0 "$pid" 2>/dev/null; then
            status=0
            wait "$pid" || status=$?
            say "$name stopped on its own (exit status $status); the end of $LOGS/$name.log:" >&2
            tail -n 20 "$LOGS/$name.log" >&2
            exit 1
        fi
    done
}
pause() {
    sleep "$1" &
    wait $! || true
}
start_component() {
    spawn "$(fresh_log "$1")" airflow "$1"
    WATCH+=("$1=$SPAWNED")
}

COMPONENTS=(api-server dag-processor scheduler triggerer)
if [ "$CELERY" = 1 ]; then
    celery_start_broker
    # shellcheck disable=SC2207
    COMPONENTS+=($(celery_worker_names))
fi
say "starting Airflow (${COMPONENTS[*]}; their logs: $LOGS/<component>.log)"
# Waits for the UI, prints the banner, then repeats the components' errors on the console.
# shellcheck disable=SC2046
spawn - python "$PROJECT/scripts/announce_ui.py" --name "$NAME" --port "$PORT" --airflow-home "$AIRFLOW_HOME" \
    --dags-folder "$AIRFLOW__CORE__DAGS_FOLDER" $(printf -- '--follow %s ' "${COMPONENTS[@]}") \
    $(if [ "$DEMO" = 1 ]; then echo --demo; fi)
start_component api-server
LAST+=("$SPAWNED")
if [ "$DEMO" = 1 ]; then LAST+=("${WATCH[0]#*=}"); fi  # the replay server
start_component dag-processor
# The scheduler and the triggerer start once the API server answers: a task started earlier cannot report
# to it, fails, and waits for its retry (with the demo's DAGs switched on, the first ingest would).
until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
    check_watched
    pause 1
done
start_component scheduler
start_component triggerer
if [ "$CELERY" = 1 ]; then celery_start_workers; fi

# Until Ctrl-C.
while :; do
    check_watched
    pause 2
done
