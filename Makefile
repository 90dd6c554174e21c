# OneStop: `make demo` serves the demo on http://127.0.0.1:5000 (PORT=...), `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= sqlite:///instance/demo.db
PORT ?= 5000
export ONESTOP_DATABASE_URL ?= $(DEMO_DB)

.PHONY: install assets translations messages demo serve test lint audit bench bench-cluster cluster-demo clean

install: $(VENV)/.installed assets translations

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: webui/static/dist/.built

webui/static/dist/.built: node_modules/.installed $(wildcard frontend/* frontend/translations/*)
	npm run --silent build
	touch $@

# .mo files are build output; the .po files under webui/translations are the source.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d webui/translations

# After changing user-facing text: collect it into messages.pot, merge it into each .po, then translate
# the new (empty) entries and run `make translations`.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_pgettext:1c,2 -k Text --no-location --sort-output \
		--project OneStop --version 0.1.0 --copyright-holder "OneStop contributors" \
		-o webui/translations/messages.pot .
	$(BIN)/pybabel -q update -i webui/translations/messages.pot -d webui/translations --no-fuzzy-matching \
		--ignore-obsolete

demo: install
	mkdir -p instance  # the demo's database folder: onestop refuses to invent folders for a --db path
	$(BIN)/onestop db upgrade
	$(BIN)/onestop deploy bpmn/
	$(BIN)/onestop demo
	$(BIN)/onestop serve --host 127.0.0.1 --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# No high-severity finding from bandit; no installed package with an advisory in scripts/advisories.json
# (and none in PyPI's vulnerability data where it can be reached): scripts/audit.py, README "Dependency audit".
audit: $(VENV)/.installed
	$(BIN)/python scripts/audit.py

test: install lint audit
	$(BIN)/pytest $(PYTEST_ARGS)

# PostgreSQL, 2 gunicorn web processes and 2 workers on this machine; Ctrl-C stops them (deploy/README.md).
cluster-demo: install
	bash deploy/cluster.sh

bench: install
	$(BIN)/python bench/engine.py

bench-cluster: install
	$(BIN)/python bench/cluster.py

clean:
	rm -rf $(VENV) node_modules webui/static/dist instance
