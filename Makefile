# newsetl — the two everyday commands are `make run` and `make test`.
# Both create .venv on first use and install the pinned environment from requirements.lock;
# the stamp file makes a second call install nothing unless the lock or pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed-stamp
UV_VERSION := 0.13.9

.PHONY: install test lint typecheck pytest lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip install --quiet --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@touch $(STAMP)

## make test: ruff, mypy and the whole pytest suite (offline; starts its own servers).
test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## make lock: re-resolve requirements.lock after changing dependencies in pyproject.toml.
lock:
	@test -x $(UV) || { $(PYTHON) -m venv $(VENV) && $(PY) -m pip install --quiet uv==$(UV_VERSION); }
	$(UV) pip compile --python-version 3.11 pyproject.toml --extra dev --no-header --quiet -o requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

## make run: migrate the warehouse and start Airflow's components (UI on http://127.0.0.1:$(AIRFLOW_PORT)); the
## console shows a banner (address, login, DAGs, warehouse) and errors only, the components log to
## .airflow/logs/; Ctrl-C stops every process it started. Set NEWSETL_MIRROR=http://127.0.0.1:PORT to crawl
## a replay server instead of the live sites.
AIRFLOW_PORT ?= 8080
export AIRFLOW_PORT

.PHONY: run demo postgres postgres-stop celery test-celery
## make postgres: a PostgreSQL warehouse on this machine without Docker, in data/postgres/ (newsetl db
## local-postgres start: initialised the first time, migrated, with a read-only 'analyst' role); it prints
## the NEWSETL_WAREHOUSE_URL to export. make postgres-stop stops it and keeps its data.
postgres: $(STAMP)
	@$(VENV)/bin/newsetl db local-postgres start

postgres-stop: $(STAMP)
	@$(VENV)/bin/newsetl db local-postgres stop

run: $(STAMP)
	@scripts/run.sh

## make demo: replay the recorded fixture site on 127.0.0.1 and run the whole stack against it (offline),
## with its own data/demo/ and .airflow/demo/ and the DAGs switched on.
demo: $(STAMP)
	@scripts/demo.sh

## make celery: make run's stack with Airflow's CeleryExecutor (scripts/celery.sh): a private Redis server (the
## distribution's redis-server, on 127.0.0.1:6380 or REDIS_PORT) as the broker and two Celery workers,
## worker-1 and worker-2, of two tasks each (CELERY_WORKERS, CELERY_CONCURRENCY); Ctrl-C stops them all.
## docs/operations.md, "Scaling out", says how to spread them over machines.
celery: $(STAMP)
	@scripts/celery.sh

## make test-celery: only the test of that stack (tests/celery/; it is part of make test too): news_ingest and a
## sharded news_reparse run green over two workers. Needs redis-server.
test-celery: $(STAMP)
	$(VENV)/bin/pytest tests/celery $(PYTEST_ARGS)
