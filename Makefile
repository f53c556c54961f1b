# frontdesk: `make run` serves the demo, `make test` runs the whole suite on SQLite and PostgreSQL.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test test-sqlite test-postgres bench lint worker

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m frontdesk.core.secrets_init var/secrets.env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py init_ledger_key
	$(PY) manage.py import_offices
	$(PY) manage.py demo
	@echo "frontdesk is at http://$(HOST):$(PORT)/  (API: http://$(HOST):$(PORT)/api/v1/docs)"
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(PY) manage.py db_worker

test: install test-sqlite test-postgres

test-sqlite:
	$(PY) -m pytest -n 2

# PostgreSQL is the production database: CI must run it; elsewhere it runs whenever it is reachable.
test-postgres:
	@if $(PY) -c "import psycopg; psycopg.connect('$(PG_URL)'.replace('postgres://', 'postgresql://'), connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) FRONTDESK_EXPECT_VENDOR=postgresql $(PY) -m pytest -n 2; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable at $(PG_URL): CI requires the PostgreSQL run." >&2; exit 1; \
	else \
		echo "PostgreSQL is not reachable at $(PG_URL): only SQLite was tested (CI runs both)."; \
	fi

bench: install
	mkdir -p bench/results
	$(PY) bench/run.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check src/frontdesk/api src/frontdesk/core src/frontdesk/accounts src/frontdesk/offices src/frontdesk/scheduling
