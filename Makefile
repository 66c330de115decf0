# Two commands set up everything on a fresh machine with Python 3.11+ and make:
#   make run    install, generate demo data if the landing directory is empty, run the pipeline
#               (which writes the CCO report and prints its path)
#   make test   install, run the test suite
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
INSTALLED := $(VENV)/.installed
C360 := $(VENV)/bin/c360
LANDING := $(or $(C360_LANDING_DIR),data/landing)
DEMO_CUSTOMERS ?= 5000
DEMO_MONTHS ?= 12
# Tests run in parallel workers (pytest-xdist): most of their time is real pipeline runs. A module
# that builds one expensive fixture (the Spark one) is kept on one worker with `xdist_group`.
# PYTEST_ARGS passes more options, e.g. `make test PYTEST_ARGS="--durations=20 -k kpis"`.
TEST_WORKERS ?= 2

.PHONY: install run test bench lint clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The lock file pins every package; bytecode is compiled at install so each step starts fast.
$(INSTALLED): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --extra spark --compile-bytecode --python $(PYTHON)
	$(VENV)/bin/python -m orchestration.dbt_manifest  # parse dbt: the manifest Dagster loads
	touch $@

install: $(INSTALLED)

run: install
	@if [ -z "$$(find $(LANDING) -type f 2>/dev/null | head -1)" ]; then \
		echo "landing directory $(LANDING) is empty: generating demo data"; \
		$(C360) generate --customers $(DEMO_CUSTOMERS) --months $(DEMO_MONTHS) --out $(LANDING); \
	fi
	$(C360) run

test: install
	$(VENV)/bin/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: install
	$(VENV)/bin/python -m bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check orchestration sources tests bench
	$(VENV)/bin/ruff format --check orchestration sources tests bench
	$(VENV)/bin/sqlfluff lint dbt_project --processes 2

clean:
	rm -rf data dbt_project/target dbt_project/logs
