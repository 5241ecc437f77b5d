# The commands of the README: `make demo` (set up, load the samples, serve), `make test` (what CI runs) and
# `make check` (lint, types and the tests that need no Neo4j: under 2 minutes, for while you work).
PYTHON ?= python3
SEEDS ?= ../shared/seeds
# Without $(SEEDS), the demo loads a synthetic sample kg writes itself here.
SAMPLE ?= .kg/sample
PORT ?= 8000

.PHONY: install install-test demo lint check test bench

install:
	$(PYTHON) -m pip install -q -e .

install-test:
	$(PYTHON) -m pip install -q -e '.[test]'
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "warning: could not install chromium; the GraphiQL browser test will fail"
	npm ci --prefix tests/graphql_http --no-audit --no-fund  # graphql-http's audit, pinned by its lockfile
	$(PYTHON) -m kg.bench.peer --install .kg/test/graphql-peer  # kg bench's GraphQL peer (npm ci), for its test

KG = $(PYTHON) -m kg  # the kg of $(PYTHON), not whichever is first on PATH (a virtualenv need not be active)

demo: install
	$(KG) neo4j start
	@if [ -d "$(SEEDS)" ]; then set -x; $(KG) ingest "$(SEEDS)"; \
	else echo "no $(SEEDS): loading a synthetic sample instead"; set -x; \
		$(KG) synth --papers 300 --seed 1 -o "$(SAMPLE)" --force && $(KG) ingest "$(SAMPLE)/pages"; fi
	$(KG) serve --port $(PORT)

lint:  # style, the layers' import contract (no cycles, one direction), and types
	$(PYTHON) -m ruff check kg api tests
	$(PYTHON) -c "from importlinter.cli import lint_imports_command; lint_imports_command()"
	$(PYTHON) -m mypy

check: lint  # tests/conftest.py marks `neo4j` every test that uses a Neo4j fixture
	$(PYTHON) -m pytest -q -m "not neo4j"

test: install-test lint
	$(PYTHON) -m pytest -q --durations=15

bench: install
	$(KG) bench --quick
