# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= .tajriba
PORT ?= 8000
HOST ?= 127.0.0.1
SCALE ?= 1.0

.PHONY: demo test lint typecheck pytest i18n bench serve clean architecture

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	# segment-analytics-python 2.3.x (no Basic auth) beside 2.4: the tracking API must serve both
	$(BIN)/pip install --quiet --no-deps --upgrade --target $(VENV)/clients/segment-2.3.4 segment-analytics-python==2.3.4
	touch $(VENV)/.installed $@

## Build the demo workspace and serve it (prints the URL and the demo login).
demo: $(VENV)/.installed
	$(BIN)/tajriba demo --scale $(SCALE) --data-dir $(DATA) --host $(HOST) --port $(PORT)

## Lint, type-check and run the whole test suite.
test: $(VENV)/.installed-dev lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# the analytics again on a PostgreSQL warehouse (a schema per test) when a test database is configured (CI)
ENGINE_TESTS := tests/metrics tests/journeys tests/goals tests/stories tests/value tests/text tests/surveys \
	tests/customers tests/cases tests/ingest tests/reports tests/loyalty tests/social

# the analytics on a Spark warehouse (local mode; each statement costs Spark 0.2-0.5 s, so a subset: the one-number
# golden tests (map, metrics API, dashboard, export), metrics, service KPIs, discovery and funnels, goals, stories,
# value and text aggregates)
SPARK_TESTS := tests/metrics/test_one_number.py tests/metrics/test_metrics_api.py tests/metrics/test_service_kpis.py \
	tests/journeys/test_analytics_api.py tests/goals tests/stories \
	tests/value/test_value_web.py tests/text/test_text_web.py::test_explorer_api_filters_search_and_pain_points

pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=25 --junitxml=test-results/main.xml
	@if [ -n "$$TAJRIBA_TEST_DATABASE_URL" ]; then \
		echo "== the analytics on a PostgreSQL warehouse"; \
		TAJRIBA_TEST_WAREHOUSE=postgres $(BIN)/python -m pytest -n 2 --dist loadfile -q --junitxml=test-results/postgres.xml $(ENGINE_TESTS); \
	else echo "TAJRIBA_TEST_DATABASE_URL is not set: the PostgreSQL warehouse run is skipped (CI sets it)"; fi
	@if command -v java >/dev/null 2>&1 || [ -n "$$CI" ]; then \
		echo "== the analytics on a Spark warehouse (local mode)"; \
		TAJRIBA_TEST_WAREHOUSE=spark $(BIN)/python -m pytest -n 2 --dist loadfile -q --junitxml=test-results/spark.xml $(SPARK_TESTS); \
	else echo "java is not installed: the Spark warehouse run is skipped (CI installs it)"; fi

serve: $(VENV)/.installed
	$(BIN)/tajriba serve --data-dir $(DATA) --host $(HOST) --port $(PORT)

## Re-extract translatable strings and merge them into the ar and fa catalogs.
i18n: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -k gettext -k ngettext:1,2 --no-location --sort-output \
		--omit-header -o src/tajriba/web/i18n/messages.pot .
	for l in ar fa; do $(BIN)/pybabel update -i src/tajriba/web/i18n/messages.pot \
		-o src/tajriba/web/i18n/$$l.po -l $$l --omit-header --no-fuzzy-matching --ignore-obsolete; done

## Redraw the package diagram in docs/architecture.md from the code (a test fails when it is stale).
architecture: $(VENV)/.installed-dev
	$(BIN)/python scripts/architecture_doc.py

## Run the benchmarks (results go in docs/benchmarks.md by hand, with the machine and date).
bench: $(VENV)/.installed-dev
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python benchmarks/platform_bench.py
	$(BIN)/python benchmarks/journey_bench.py --pm4py
	$(BIN)/python benchmarks/value_bench.py --lifetimes

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-results
