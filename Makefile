# gridgov: every setup step lives here, so a fresh machine needs only `make demo` / `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GRIDGOV := $(BIN)/gridgov
HOST ?= 127.0.0.1
PORT ?= 8000
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/gridgov
REDIS_URL ?= redis://127.0.0.1:6379/15
DEMO_SCALE ?= 0.02

.PHONY: install demo demo-data serve test test-postgres test-e2e lint format bench messages browser postgres redis clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Install, migrate, load the Xiangxi demo and serve it on http://$(HOST):$(PORT).
demo: demo-data serve

demo-data: install
	GRIDGOV_ENV=demo $(GRIDGOV) migrate --verbosity 0
	GRIDGOV_ENV=demo $(GRIDGOV) demo --scale $(DEMO_SCALE)
	GRIDGOV_ENV=demo $(GRIDGOV) collectstatic --noinput --verbosity 0

serve:
	GRIDGOV_ENV=demo $(GRIDGOV) demo --logins
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	GRIDGOV_ENV=demo GRIDGOV_HTTPS=false $(GRIDGOV) runserver --noreload $(HOST):$(PORT)

test: install
	GRIDGOV_ENV=test $(BIN)/pytest -m "not e2e"

# The same suite on the production stack: the local PostgreSQL server for data and Redis
# for cache and jobs (each started if it is not running).
test-postgres: install postgres redis
	GRIDGOV_ENV=test GRIDGOV_DATABASE_URL=$(POSTGRES_URL) GRIDGOV_REDIS_URL=$(REDIS_URL) \
	  $(BIN)/pytest -m "not e2e"

# Browser journeys: Playwright driving Debian's chromium (installed here, no browser download).
test-e2e: install browser
	GRIDGOV_ENV=test $(BIN)/pytest -m e2e tests/e2e

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	GRIDGOV_ENV=test $(GRIDGOV) makemigrations --check --dry-run --verbosity 1

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: install postgres
	GRIDGOV_ENV=test $(BIN)/python -m bench

# Update the catalogue from the source strings, then compile it (both files are committed).
# Source strings are Chinese, so only English needs a catalogue. Settings need an
# environment: the test one, with its generated key kept in ./var, not in src/.
MESSAGES_ENV := GRIDGOV_ENV=test GRIDGOV_VAR_DIR=$(CURDIR)/var
messages: install
	command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	cd src/gridgov && $(MESSAGES_ENV) $(CURDIR)/$(GRIDGOV) makemessages --locale en --no-obsolete --ignore 'testing/*'
	cd src/gridgov && $(MESSAGES_ENV) $(CURDIR)/$(GRIDGOV) compilemessages --locale en

browser:
	@command -v chromium >/dev/null && fc-list | grep -qi "noto.*cjk" || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk)

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || \
	  (pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && sleep 2)
	@pg_isready -h 127.0.0.1 -p 5432

redis:
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in 1 2 3 4 5; do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
	@redis-cli -h 127.0.0.1 -p 6379 ping

clean:
	rm -rf var .venv
