# Verivali — two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := demo
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: demo demo-reset test test-postgres lint bench bench-postgres clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m server.demo.setup --folder $(DEMO_DIR) --host $(HOST) --port $(PORT)

# The demo from scratch: a new database, new tokens and passwords.
demo-reset: $(STAMP)
	$(BIN)/python -m server.demo.setup --folder $(DEMO_DIR) --host $(HOST) --port $(PORT) --fresh

test: $(STAMP)
	$(BIN)/ruff check server sync_agent schemas tests bench
	$(BIN)/mypy server sync_agent schemas
	$(BIN)/pytest -q $(PYTEST_ARGS)

# The whole suite on PostgreSQL: on VERIVALI_TEST_POSTGRES_URL if set, else on a
# throwaway cluster started (and stopped) here by .ci/postgres.sh.
test-postgres: $(STAMP)
	@if [ -n "$$VERIVALI_TEST_POSTGRES_URL" ]; then \
	  echo "PostgreSQL: $$VERIVALI_TEST_POSTGRES_URL"; $(BIN)/pytest -q $(PYTEST_ARGS); \
	else \
	  dir=$$(mktemp -d); trap '.ci/postgres.sh stop "$$dir/pg"; rm -rf "$$dir"' EXIT; \
	  url=$$(.ci/postgres.sh start "$$dir/pg") || exit 1; echo "PostgreSQL: $$url"; \
	  VERIVALI_TEST_POSTGRES_URL=$$url $(BIN)/pytest -q $(PYTEST_ARGS); \
	fi

lint: $(STAMP)
	$(BIN)/ruff check server sync_agent schemas tests bench
	$(BIN)/mypy server sync_agent schemas

bench: $(STAMP)
	$(BIN)/python bench/import_registry.py

bench-postgres: $(STAMP)
	$(BIN)/python bench/push_postgres.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) *.egg-info
