#!/usr/bin/env bash
# `make demo`: the whole pipeline offline. Builds the recorded fixture site (a WARC of a small pravda.com.ua
# and of every other enabled source's feed and pages) into data/demo-site/ once (NEWSETL_DEMO_SITE names
# another folder), serves it with `newsetl replay` on a free port of 127.0.0.1 (REPLAY_PORT picks one), and
# runs `make run`'s stack with NEWSETL_MIRROR pointing at it, its own data root (data/demo) and Airflow home
# (.airflow/demo), and the DAGs switched on at creation. The fixture site holds a recorded copy of every
# enabled source, so the DAG crawls them all, as in production; NEWSETL_INGEST_SOURCES=pravda narrows it.
# One script, scripts/run.sh, starts and stops every process of both, so Ctrl-C stops the replay server too.
exec "$(dirname "$0")/run.sh" --demo "$@"
