# Career Pathways: everyday tasks. On a fresh clone, `make run` or `make test` is all you need.
# `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help
# Targets install system packages and the virtualenv in order: never run them in parallel.
.NOTPARALLEL:

# Interpreter that creates the virtualenv.
SYSTEM_PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install: reinstall only when a requirements file changes.
INSTALLED := $(VENV)/.installed

# Where `make run` serves the app (make run PORT=8001, or HOST=0.0.0.0 to listen on all interfaces).
HOST = 127.0.0.1
PORT ?= 8000
# Links in e-mails must open the server `make run` started.
SITE_URL = http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)

# Extra pytest arguments, e.g. make test ARGS="-m 'not browser'" or ARGS="tests/test_schedule.py -x";
# for `make bench`, the bench's own (ARGS="--help" lists them).
ARGS ?=

# Debian packages the test suite needs. Add more here (redis-server, chromium, ...).
DEBIAN_TEST_PACKAGES := postgresql chromium redis-server
# ...and the HTTP load generator `make bench` drives the app with (it also needs postgresql).
DEBIAN_BENCH_PACKAGES := wrk
# Debian's python3 can only create virtualenvs with python3-venv; needed only while .venv is missing.
DEBIAN_VENV_PACKAGES := $(if $(wildcard $(BIN)/pip),,$(shell \
	$(SYSTEM_PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 || echo python3-venv))

# Environment for each kind of run. Tests run production-like (DEBUG off), so they need a key, and
# ignore the laptop's .env.
DEV_ENV := DEBUG=1
TEST_ENV := PYTHON_DOTENV_DISABLED=1 DEBUG=0 SECRET_KEY=insecure-key-for-tests-only
# `make run`: e-mails are printed and saved in var/mail/. CELERY_BROKER_URL, if set, passes through.
MAIL_TO_FILES := EMAIL_BACKEND=config.email_backends.FileAndConsoleEmailBackend
RUN_ENV = $(DEV_ENV) $(MAIL_TO_FILES) SITE_URL=$(SITE_URL)
FIXTURES_DB := $(CURDIR)/var/fixtures.sqlite3
# Content edits are recorded (django-simple-history): the fixture holds the content, not its history.
HISTORY_TABLES := $(addprefix historical,pathway phase task resource transferableskill skilltolearn \
	actionitem realitycheckitem faqentry)
FIXTURES_ENV := PYTHON_DOTENV_DISABLED=1 DEBUG=1 DATABASE_URL=sqlite:///$(FIXTURES_DB)

MANAGE := $(BIN)/python manage.py

# $(call ensure-debian-packages,PACKAGES): apt-get install whichever of PACKAGES are missing.
# Does nothing (and needs no network) when all are installed; needs root to install.
define ensure-debian-packages
missing=""; \
for pkg in $(1); do \
	[ "$$(dpkg-query -W -f='$${db:Status-Status}' "$$pkg" 2>/dev/null)" = installed ] \
		|| missing="$$missing $$pkg"; \
done; \
if [ -z "$$missing" ]; then \
	true; \
elif ! command -v apt-get >/dev/null; then \
	echo "Not a Debian system: make sure the equivalent of these is installed:$$missing" >&2; \
elif [ "$$(id -u)" -ne 0 ]; then \
	echo "Missing Debian packages:$$missing" >&2; \
	echo "Install them with 'sudo apt-get install$$missing' (or run make as root), then retry." >&2; \
	exit 1; \
else \
	echo "Installing Debian packages:$$missing"; \
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
fi
endef

.PHONY: help install .venv system-packages run test bench lint fixtures clean

help:  ## List the targets
	@grep -E '^[a-z.-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install: $(INSTALLED)  ## Create .venv and install the Python requirements
.venv: install

$(INSTALLED): requirements.txt requirements-dev.txt
	@$(call ensure-debian-packages,$(DEBIAN_VENV_PACKAGES))
	[ -x $(BIN)/pip ] || $(SYSTEM_PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -r requirements-dev.txt
	@touch $@

system-packages:  ## Install the Debian packages the tests need, if missing (as root)
	@$(call ensure-debian-packages,$(DEBIAN_VENV_PACKAGES) $(DEBIAN_TEST_PACKAGES))

run: install .env  ## Migrate, load the pathways, serve the app at http://127.0.0.1:8000/ + Celery worker and beat
	@mkdir -p var/mail var/broker
	@# Plain manage.py commands read .env: keep its SITE_URL on the port served now.
	@grep -q '^SITE_URL=' .env && sed -i 's|^SITE_URL=.*|SITE_URL=$(SITE_URL)|' .env \
		|| echo 'SITE_URL=$(SITE_URL)' >> .env
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) loaddata fixtures/pathways.json
	@echo
	@echo "    Open http://$(HOST):$(PORT)/    (Ctrl-C stops the server, the Celery worker and beat)"
	@echo "    E-mails are printed below and saved in var/mail/"
	@echo
	$(RUN_ENV) HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start --port $(PORT)

# The laptop's settings, so that `.venv/bin/python manage.py ...` works as `make run` does. Written
# once; edit it freely (real environment variables win over it).
.env:
	@printf '%s\n' \
		'# Settings for this laptop, read by config/settings.py; real environment variables win.' \
		'# Written by `make run`, which keeps SITE_URL on the port it serves. Never used in production.' \
		'$(DEV_ENV)' '$(MAIL_TO_FILES)' 'SITE_URL=$(SITE_URL)' > $@
	@echo "Wrote .env (DEBUG on, e-mails to var/mail/) for manage.py commands on this laptop."

test: system-packages install  ## Run the test suite on a throwaway PostgreSQL (ARGS="..." for pytest)
	$(TEST_ENV) $(BIN)/pytest $(ARGS)

bench: system-packages install  ## Pages (wrk, gunicorn) and weekly sends next to Django's floor; table in var/bench/
	@$(call ensure-debian-packages,$(DEBIAN_BENCH_PACKAGES))
	$(BIN)/python -m bench $(ARGS)

lint: install  ## Check the code with ruff
	$(BIN)/ruff check .

fixtures: install  ## Rebuild fixtures/pathways.json from fixtures/guides/*.txt
	@mkdir -p var
	rm -f $(FIXTURES_DB)
	$(FIXTURES_ENV) $(MANAGE) migrate --noinput --verbosity 0
	$(FIXTURES_ENV) $(MANAGE) import_guide fixtures/guides/*.txt
	$(FIXTURES_ENV) $(MANAGE) dumpdata careers $(HISTORY_TABLES:%=--exclude careers.%) --indent 2 \
		--output fixtures/pathways.json
	rm -f $(FIXTURES_DB)

clean:  ## Delete var/ (local database, mail, static) and .venv
	rm -rf var $(VENV)
