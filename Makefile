# Rendezvous: `make run` serves a demo on http://127.0.0.1:8000 (SQLite, tasks run in-process).
# `make test ARGS="-k slots -x"` passes extra arguments to pytest.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=

# Without SECRET_KEY the settings refuse to start unless DEBUG is on; local work runs with DEBUG.
ifeq ($(origin SECRET_KEY),undefined)
export DEBUG ?= true
endif

.PHONY: venv run up test lint format worker beat webhooks clean

venv: $(STAMP)

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "Python 3.11 or newer is needed: make PYTHON=python3.11 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Settings for commands run outside make in this checkout (manage.py create_api_key, ...): the
# same development mode as make run, with a secret key of this checkout's own. Kept once written.
.env:
	@printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote .env (development mode and a secret key) for manage.py commands run by hand."

run: venv .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_bookings
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Emails (and webhook deliveries) are sent by the background process: emails print here."
	@echo "To watch the demo host's webhooks, run in another terminal: make webhooks"
	@# Webhook deliveries and other periodic work run beside the server (no Redis needed).
	$(PY) manage.py run_background & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver 127.0.0.1:8000

# The deployment's three processes (Procfile: web, worker, beat) against PostgreSQL and Redis,
# e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/rendezvous REDIS_URL=redis://127.0.0.1:6379/0 make up
up: venv
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" -a -n "$$SECRET_KEY" || { \
		echo "Set DATABASE_URL (PostgreSQL), REDIS_URL and SECRET_KEY, e.g." >&2; \
		echo "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/rendezvous REDIS_URL=redis://127.0.0.1:6379/0 SECRET_KEY=... make up" >&2; \
		exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=$${DEBUG:-false} $(VENV)/bin/honcho start --port 8000

test: venv
	$(PY) -m pytest $(ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# A local receiver that prints the demo host's webhooks (beside make run).
webhooks: venv
	$(PY) manage.py receive_webhooks $(ARGS)

# Background work against a real broker, e.g. REDIS_URL=redis://127.0.0.1:6379/0 make worker
worker: venv
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL, e.g. redis://127.0.0.1:6379/0" >&2; exit 2; }
	$(VENV)/bin/celery -A config worker --pool threads --concurrency 16 --loglevel INFO

beat: venv
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL, e.g. redis://127.0.0.1:6379/0" >&2; exit 2; }
	$(VENV)/bin/celery -A config beat --loglevel INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
