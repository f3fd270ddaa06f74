# crous-admin — the two commands are `make run` and `make test`; the rest serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= crous_admin.settings
# make run's web server port: make run RUN_PORT=8001
RUN_PORT ?= 8000

.PHONY: run test install migrate seed lint format check-migrations schema ci-checks bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --if-empty --base-url http://127.0.0.1:$(RUN_PORT)

## make run: install, migrate, seed demo data if empty, then web + Celery worker + beat; the
## demo logins are printed once all three are up. RUN_PORT: the web server's port.
run: seed
	@mkdir -p var/outbox/email var/outbox/sms
	RUN_PORT=$(RUN_PORT) $(BIN)/honcho -f Procfile.dev start

## make test: install and run the whole suite (SQLite by default; DATABASE_URL / REDIS_URL honoured).
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make lint: ruff, the import layers (ARCHITECTURE.md) and the type checker.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: install
	$(BIN)/python manage.py makemigrations --check --dry-run

schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

ci-checks: lint check-migrations schema

messages: install
	$(BIN)/python manage.py makemessages -l fr --ignore=.venv --ignore=staticfiles --ignore=var --ignore=bench --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .mypy_cache .import_linter_cache
