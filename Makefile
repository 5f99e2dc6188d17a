# kvartirabar — the two commands a newcomer needs:
#   make run    set up and run the site on http://127.0.0.1:8000 (SQLite, Click sandbox, demo data)
#   make test   set up and run the whole test suite (PostgreSQL/Redis when reachable)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint check-deploy bench clean

$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	./scripts/run

test: $(VENV)/.dev
	./scripts/ensure-test-tools
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=1 $(PY) -m mypy
	DEBUG=1 $(VENV)/bin/lint-imports
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

check-deploy: $(VENV)/.runtime
	./scripts/check-deploy

bench: $(VENV)/.dev
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/9} $(PY) bench/bids.py

clean:
	rm -rf $(VENV) db.sqlite3 media test-artifacts
