# Touyan — every target sets up what it needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export PYTHONDONTWRITEBYTECODE :=

.PHONY: help setup setup-spark system-deps system-deps-spark demo ingest refresh docs templates release dashboard serve report yearbook test test-spark lint format bench bench-spark bundle vendor-assets clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(VENV)/.synced system-deps ## create the Python environment from uv.lock and install Debian packages

# A plain `uv sync` removes what the default groups do not hold: once the Spark group is installed here
# (its stamp), every sync keeps it, so `make test` after `make test-spark` does not uninstall PySpark.
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen $(if $(wildcard $(VENV)/.synced-spark),--group spark)
	@touch $@

# The Spark engine (TOUYAN_ENGINE=spark, make test-spark): its Python packages (the `spark` group of
# pyproject.toml) in the same .venv, and Java. Never part of `make setup`: the default path needs neither.
setup-spark: $(VENV)/.synced-spark system-deps-spark ## the Spark engine's packages (PySpark, dbt-spark) into .venv and Java 17 (Debian openjdk-17-jre-headless)

$(VENV)/.synced-spark: uv.lock pyproject.toml $(VENV)/.synced | $(UV)
	$(UV) sync --frozen --group spark
	@touch $@

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

system-deps: ## install chromium, chromium-driver, fonts-noto-cjk, poppler-utils, libreoffice-calc-nogui if missing (as root; else print the command)
	@scripts/system-deps.sh

system-deps-spark: ## install Java 17 (openjdk-17-jre-headless) for the Spark engine if missing (as root; else print the command)
	@scripts/system-deps.sh spark

demo: $(VENV)/.synced ## regenerate the bundled demo submissions in data/raw/ and its rules in data/rules/ (deterministic)
	$(PY) -m pipelines demo

ingest: $(VENV)/.synced ## load data/raw/ into the DuckDB warehouse (data/warehouse.duckdb)
	$(PY) -m pipelines ingest

# make refresh [ALLOW_EMPTY=volunteer_hours,staff] — datasets that may be published without rows although the
# published version has some (a refresh stops otherwise: a missing folder is more often a mistake)
# TOUYAN_ENGINE=spark make refresh: the same stages on Spark (docs/scale-out.md), set up first
refresh: $(VENV)/.synced $(if $(filter spark,$(TOUYAN_ENGINE)),setup-spark) ## ingest → quality gate → dbt build → quality gate → publish data/marts/ (all or nothing)
	$(PY) -m pipelines refresh $(if $(ALLOW_EMPTY),--allow-empty $(ALLOW_EMPTY))

docs: $(VENV)/.synced ## dbt docs (lineage, column definitions) into data/dbt/target/index.html
	$(PY) -m pipelines docs

# make templates [INSTITUTE=FJQI] [OUT=folder] — INSTITUTE: an id of the register (data/raw/institutes/), whose
# name the templates are filled with, written to data/templates/<INSTITUTE>/; OUT: another folder
templates: $(VENV)/.synced ## submission templates (.xlsx per dataset: headers, formats, dropdowns, instructions) into data/templates/
	$(PY) -m pipelines templates $(if $(INSTITUTE),--institute $(INSTITUTE)) $(if $(OUT),--out $(OUT))

# make release YEAR=2024 [RUN=<run id>] [NOTE="…"] — RUN defaults to the current version; `python -m pipelines
# release --list` lists the releases, `--remove --year 2024` withdraws one
release: $(VENV)/.synced ## mark a published version as a year's official release (年报口径): never pruned, shown as "official YEAR" on the dashboard
	$(PY) -m pipelines release --year $(YEAR) $(if $(RUN),--run $(RUN)) $(if $(NOTE),--note "$(NOTE)")

dashboard: setup ## set up, refresh if nothing is published yet, serve the app on 127.0.0.1:8050 (development mode: no login, this machine only)
	@if [ ! -e data/marts/current/manifest.json ]; then $(PY) -m pipelines refresh; fi
	$(PY) -m dashboards

serve: $(VENV)/.synced ## the server for a network: gunicorn, accounts required (TOUYAN_DASH_HOST/PORT, TOUYAN_SERVER_WORKERS/THREADS, TOUYAN_URL_PREFIX)
	$(PY) -m dashboards serve

# make report [YEAR=2024] [INSTITUTES=FJQI,ZJQS] [REPORT_LANG=en] [OUT=folder] — YEAR defaults to the latest year
# in the published marts, INSTITUTES to all, REPORT_LANG to zh, OUT to data/reports/<year>/
report: $(VENV)/.synced ## report pack: figures (PNG/SVG/PDF), KPI tables (XLSX/CSV), a combined A4 PDF per institute
	$(PY) -m dashboards.report $(if $(YEAR),--year $(YEAR)) $(if $(INSTITUTES),--institutes $(INSTITUTES)) \
		$(if $(REPORT_LANG),--lang $(REPORT_LANG)) $(if $(OUT),--out $(OUT)) $(if $(RELEASE),--release $(RELEASE))

# make yearbook [YEAR=2024] [INSTITUTES=FJQI,ZJQS] [REPORT_LANG=en] [OUT=folder] — YEAR defaults to the latest
# evaluated year, INSTITUTES to all, REPORT_LANG to zh, OUT to data/reports/<year>/yearbook/
yearbook: $(VENV)/.synced ## the evaluation's yearbook (考评风采录): a PDF per institute — its result, its units ranked, a profile per unit
	$(PY) -m dashboards.report --yearbook $(if $(YEAR),--year $(YEAR)) $(if $(INSTITUTES),--institutes $(INSTITUTES)) \
		$(if $(REPORT_LANG),--lang $(REPORT_LANG)) $(if $(OUT),--out $(OUT)) $(if $(RELEASE),--release $(RELEASE))

# The suite runs in as many pytest processes as there are cores, at most 4 (pytest-xdist; each file stays
# in one process, so a module's refreshed data folder is made once). `make test TEST_WORKERS=0` runs it in
# this process alone.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n > 4 ? 4 : n )))

test: setup ## the test suite: unit, integration, browser (Chromium), LibreOffice round trip, import and SQL style checks
	$(PY) -m pytest --numprocesses $(TEST_WORKERS) --dist loadfile

# pyproject's addopts leave tests/spark/ out of `make test` (it needs Java); here they are replaced by the
# same options without that --ignore
test-spark: setup-spark ## the Spark engine's tests: the demo refreshed on DuckDB and on Spark, every published mart compared
	$(PY) -m pytest -o addopts="-ra --strict-markers -p no:dash" tests/spark

lint: $(VENV)/.synced ## ruff (Python), import-linter (which module may import which: .importlinter), sqlfluff (dbt SQL: .sqlfluff)
	$(VENV)/bin/ruff check pipelines dashboards tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/sqlfluff lint dbt_project

format: $(VENV)/.synced ## ruff format
	$(VENV)/bin/ruff format pipelines dashboards tests bench

bench: setup setup-spark ## benchmarks: ingest, refresh end to end against a pandas baseline, the refresh on Spark beside DuckDB, dashboard latency, users under load (Locust), report pack, upload check, annotated copy, the evaluation's dbt time and what-if; rewrites docs/benchmarks.md
	$(PY) -m bench.ingest
	$(PY) -m bench.refresh
	$(PY) -m bench.spark
	$(PY) -m bench.dashboard
	$(PY) -m bench.load
	$(PY) -m bench.report
	$(PY) -m bench.submission
	$(PY) -m bench.annotate
	$(PY) -m bench.evaluation
	$(PY) -m bench.page

# make bench-spark [SIZES=demo,1e6,1e7] — the Spark section alone (bench/spark.py), then the page again
bench-spark: setup-spark ## the refresh on local Spark beside DuckDB at demo, 1e6 and 1e7 rows (peak memory of the whole process tree, per-row and fixed cost); rewrites docs/benchmarks.md
	$(PY) -m bench.spark $(if $(SIZES),--sizes $(SIZES))
	$(PY) -m bench.page

# make bundle [OUT=dist] [PLATFORM=manylinux_2_28_x86_64] [WHEEL_CACHE=~/.cache/touyan/wheels] — PLATFORM: the
# oldest glibc of the target hosts (2.28: Debian 10, RHEL 8, Kylin V10); a second bundle of the same lock
# takes its wheels from WHEEL_CACHE without downloading
bundle: $(VENV)/.synced ## one archive that installs offline (Python 3.11): the app, every wheel uv.lock pins, install.sh
	@UV=$(UV) PY=$(PY) $(if $(OUT),OUT=$(OUT)) $(if $(PLATFORM),PLATFORM=$(PLATFORM)) \
		$(if $(WHEEL_CACHE),WHEEL_CACHE=$(WHEEL_CACHE)) scripts/bundle.sh

vendor-assets: ## refresh the vendored Bootstrap CSS and plotly.js cartesian bundle in dashboards/assets/ (from npm)
	@scripts/vendor-assets.sh

clean: ## remove the environment, the warehouse, published marts and reports (keeps data/raw)
	rm -rf $(VENV) .tools data/warehouse.duckdb* data/reports data/dbt data/marts/current data/marts/versions bench/out
