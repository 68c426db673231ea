# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make run`'s store is the default store of a data directory under the repo.
DATA_DIR := $(CURDIR)/var
RG := ROSTERGATE_DATA_DIR=$(DATA_DIR) $(BIN)/rostergate
DEMO_PASSWORD := demo-password-1

.PHONY: run test lint postgres chromium messages screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Install into .venv, start the gateway on the embedded SQLite store with a demo feed loaded.
run: $(STAMP)
	rm -rf $(DATA_DIR)/rostergate.db $(DATA_DIR)/rostergate.db-wal $(DATA_DIR)/rostergate.db-shm $(DATA_DIR)/spool
	$(RG) init
	$(RG) source add demo --format csv
	$(RG) import demo/nordby-ansatte.csv --source demo --format csv --school "Nordby skole"
	$(RG) import demo/nordby-elever.csv --source demo --format csv --school "Nordby skole" --role elev --queue
	echo "$(DEMO_PASSWORD)" | $(RG) admin add demo --role site
	@echo
	@echo "Admin UI:   http://127.0.0.1:8080/admin/  (sign in as demo / $(DEMO_PASSWORD))"
	@token=$$($(RG) admin token demo 2>/dev/null); \
	  echo "API token:  $$token  (curl -s -H 'Authorization: Bearer $$token' http://127.0.0.1:8080/api/runs)"
	@token=$$($(RG) source token demo 2>/dev/null); echo "Push token: $$token"; \
	  echo "Push a feed: curl -s -H 'Authorization: Bearer $$token' -H 'Content-Type: text/csv' --data-binary @demo/nordby-elever.csv 'http://127.0.0.1:8080/push/demo?school=Nordby%20skole&role=elev'"; \
	  echo "Read back:   curl -s -H 'Authorization: Bearer $$token' http://127.0.0.1:8080/push/demo/runs"
	@echo "The CLI reaches this store with:  export ROSTERGATE_DATA_DIR=$(DATA_DIR); source $(CURDIR)/$(VENV)/bin/activate"
	@echo "The pupils' feed waits in the queue: serve's worker imports it as it starts."
	@echo
	$(RG) serve

# Everything CI runs: lint, format check, types, and the tests on SQLite and PostgreSQL.
test: $(STAMP) postgres chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The tests start their own PostgreSQL server from the machine's binaries; install them if missing.
postgres:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	else echo "installing the PostgreSQL server"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; fi

# The browser tests drive the machine's own Chromium (never a downloaded one); install it if missing.
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	else echo "installing Chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi

# After changing the admin UI's texts: extract them and update the catalogues, then translate
# the new entries in each .po file (the app compiles the .po files itself when it starts).
LOCALES := gateway/web/admin/locale
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --omit-header -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel -q update -i $(LOCALES)/messages.pot -d $(LOCALES) --ignore-obsolete --ignore-pot-creation-date

# Regenerate the README's screenshots (docs/screenshots/) by running the admin UI's browser tests.
screenshots: $(STAMP) chromium
	ROSTERGATE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -q tests/gateway/web/admin

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info
