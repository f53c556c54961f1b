# frontdesk: `make run` serves the demo, `make test` runs the whole suite on SQLite and PostgreSQL.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo's two witnesses listen on the next two ports.
WITNESS1_PORT ?= $(shell echo $$(($(PORT) + 1)))
WITNESS2_PORT ?= $(shell echo $$(($(PORT) + 2)))

.PHONY: install run serve test test-sqlite test-postgres drill bench lint worker browser messages

$(VENV)/.installed: pyproject.toml package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	npm ci --no-audit --no-fund --loglevel=error  # USWDS (served from node_modules) and axe-core
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m frontdesk.core.secrets_init var/secrets.env
	$(PY) -m frontdesk.identity.client_key $${FRONTDESK_VAR_DIR:-$(CURDIR)/var}/oidc-client-key.pem
	$(PY) manage.py migrate --no-input
	$(PY) manage.py init_ledger_key --verifier-file $${FRONTDESK_VAR_DIR:-$(CURDIR)/var}/ledger-verifier.key
	@# Two local witnesses, each with its own key and state directory, trusting the log's key; the log
	@# needs both cosignatures (2 of 2) for a checkpoint to count as witnessed (docs/adr/0020-witnessed-checkpoints.md).
	@var=$${FRONTDESK_VAR_DIR:-$(CURDIR)/var}; for n in 1 2; do \
		$(PY) manage.py witness init --state $$var/witness-$$n --name localhost/frontdesk-witness-$$n \
			--log $$var/ledger-verifier.key > $$var/witness-$$n.key || exit 1; done
	$(PY) manage.py import_offices
	$(PY) manage.py load_authorities
	$(PY) manage.py demo
	$(PY) manage.py seed_walk_ins  # the demo's four weeks of history, at the counter as well as booked
	@# People waiting for an earlier time and answers to reminders, through the product's services: the
	@# offers they make are messages, written where the running demo writes its own.
	var=$${FRONTDESK_VAR_DIR:-$(CURDIR)/var}; mkdir -p $$var/log; \
		FRONTDESK_PUBLIC_BASE_URL=$${FRONTDESK_PUBLIC_BASE_URL:-http://$(HOST):$(PORT)} \
		FRONTDESK_OUTBOX=$${FRONTDESK_OUTBOX:-$$var/log/outbox.log} $(PY) manage.py seed_answers
	$(PY) manage.py stats_rebuild  # the demo's bookings are bulk-loaded: count them for the dashboards
	@echo "frontdesk is at http://$(HOST):$(PORT)/  (API: http://$(HOST):$(PORT)/api/v1/docs)"
	@# One supervisor runs the web server (gunicorn), the task worker, the checkpoint signer, the
	@# scheduler and the two witnesses; it restarts any that dies, and Ctrl-C stops them all
	@# (docs/adr/0010-process-supervision.md).
	@mkdir -p $${FRONTDESK_VAR_DIR:-$(CURDIR)/var}/log
	var=$${FRONTDESK_VAR_DIR:-$(CURDIR)/var}; \
	FRONTDESK_BIND=$(HOST):$(PORT) FRONTDESK_VAR_DIR=$$var \
		FRONTDESK_PUBLIC_BASE_URL=$${FRONTDESK_PUBLIC_BASE_URL:-http://$(HOST):$(PORT)} \
		FRONTDESK_OUTBOX=$${FRONTDESK_OUTBOX:-$$var/log/outbox.log} \
		FRONTDESK_WITNESS1_PORT=$(WITNESS1_PORT) FRONTDESK_WITNESS2_PORT=$(WITNESS2_PORT) \
		FRONTDESK_LEDGER_WITNESSES="http://127.0.0.1:$(WITNESS1_PORT) $$(cat $$var/witness-1.key);http://127.0.0.1:$(WITNESS2_PORT) $$(cat $$var/witness-2.key)" \
		FRONTDESK_LEDGER_WITNESS_QUORUM=$${FRONTDESK_LEDGER_WITNESS_QUORUM:-2} \
		DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev} \
		exec $(VENV)/bin/supervisord --nodaemon --configuration config/supervisord.conf

# The task worker on its own (reminders), reconnecting after a lost database connection.
worker: install
	$(PY) manage.py worker

test: install browser test-sqlite test-postgres drill

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

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

# The failover drill (docs/runbooks/failover.md): its own primary and synchronous standby in temporary
# directories, bookings and a release under load, the primary killed, the standby promoted; nothing
# acknowledged may be lost. Needs PostgreSQL's server programs (initdb, pg_basebackup); CI has them.
drill: install
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		$(PY) -m pytest drills -p no:randomly; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL's server programs are not installed: CI requires the failover drill." >&2; exit 1; \
	else \
		echo "PostgreSQL's server programs are not installed: the failover drill did not run (CI runs it)."; \
	fi

bench: install
	$(PY) -m pip install -q -e '.[dev,bench]'
	mkdir -p bench/results
	$(PY) bench/run.py

# Spanish for the public site: the compiled .mo is committed, so only translators need gettext.
messages: install
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)
	@# Each app with Spanish strings keeps its own catalog: the public site, the shared web kit, and the
	@# scheduling app's messages (waitlist offers and codes); makemessages sees only its own app's files.
	for app in public web scheduling; do \
		(cd src/frontdesk/$$app && DJANGO_SETTINGS_MODULE=config.settings.test PYTHONPATH=$(CURDIR) \
			$(CURDIR)/$(VENV)/bin/django-admin makemessages -l es && \
			DJANGO_SETTINGS_MODULE=config.settings.test PYTHONPATH=$(CURDIR) \
			$(CURDIR)/$(VENV)/bin/django-admin compilemessages) || exit 1; \
	done

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# The layers: surfaces, the shared web kit, the domain apps (docs/adr/0025-layers.md).
	$(VENV)/bin/lint-imports --no-logo
	$(VENV)/bin/mypy src/frontdesk config
