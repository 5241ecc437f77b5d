# The two commands of the README: `make demo` (set up, load the samples, serve) and `make test`.
PYTHON ?= python3
SEEDS ?= ../shared/seeds
# Without $(SEEDS), the demo loads a synthetic sample kg writes itself here.
SAMPLE ?= .kg/sample
PORT ?= 8000

.PHONY: install install-test demo lint test bench

install:
	$(PYTHON) -m pip install -q -e .

install-test:
	$(PYTHON) -m pip install -q -e '.[test]'
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "warning: could not install chromium; the GraphiQL browser test will fail"
	npm ci --prefix tests/graphql_http --no-audit --no-fund  # graphql-http's audit, pinned by its lockfile

demo: install
	kg neo4j start
	@if [ -d "$(SEEDS)" ]; then set -x; kg ingest "$(SEEDS)"; \
	else echo "no $(SEEDS): loading a synthetic sample instead"; set -x; \
		kg synth --papers 300 --seed 1 -o "$(SAMPLE)" --force && kg ingest "$(SAMPLE)/pages"; fi
	kg serve --port $(PORT)

lint:  # style, the layers' import contract (no cycles, one direction), and types
	$(PYTHON) -m ruff check kg api tests
	lint-imports
	$(PYTHON) -m mypy

test: install-test lint
	$(PYTHON) -m pytest -q

bench: install
	kg bench --quick
