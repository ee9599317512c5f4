# cunjing — the two commands: `make run` and `make test`. See README.md.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint bench setup venv assets messages messages-update format

setup: venv assets messages

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

assets: node_modules/.installed
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages: venv
	$(BIN)/python manage.py compile_catalogues

messages-update: venv
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv/*' \
		--ignore 'node_modules/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'static/*'

run: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py demo --if-empty
	@echo "cunjing: serving on http://127.0.0.1:$(PORT)/"
	@echo "cunjing: every demo account is listed at http://127.0.0.1:$(PORT)/accounts/users/ (sign in as secadmin)"
	PASSWORD_MAX_AGE_DAYS=$${PASSWORD_MAX_AGE_DAYS:-0} TWO_FACTOR_REQUIRED=$${TWO_FACTOR_REQUIRED:-0} exec $(BIN)/gunicorn cunjing.wsgi -c cunjing/gunicorn_conf.py --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

test: setup
	./scripts/test.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: venv
	$(BIN)/python -m bench

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
