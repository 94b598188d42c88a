# Verivali — two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := demo
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test lint bench clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m server.demo_setup --folder $(DEMO_DIR) --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check server sync_agent schemas tests bench
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check server sync_agent schemas tests bench

bench: $(STAMP)
	$(BIN)/python bench/import_registry.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) *.egg-info
