# OneStop: `make demo` serves the demo on http://127.0.0.1:5000, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= sqlite:///instance/demo.db
export ONESTOP_DATABASE_URL ?= $(DEMO_DB)

.PHONY: install assets demo serve test lint bench clean

install: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: webui/static/dist/.built

webui/static/dist/.built: node_modules/.installed $(wildcard frontend/*)
	npm run --silent build
	touch $@

demo: install
	$(BIN)/onestop db upgrade
	$(BIN)/onestop deploy bpmn/
	$(BIN)/onestop demo
	$(BIN)/onestop serve --host 127.0.0.1 --port 5000

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

test: install lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) node_modules webui/static/dist instance
