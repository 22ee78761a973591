# healthintel task runner. The two commands of the README:
#   make report   set up .venv with what rendering needs and render the default chapter series into reports/ (from
#                 data/raw where it holds the sources, else the embedded data kit in data/kit: no mirror or network)
#   make test     set up .venv with the dev extras and run the whole test suite (pytest + nbval)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# `make report` installs the runtime dependencies and the extras rendering needs (growth: the child_obesity chapter
# computes UK90 centiles), not the test tools, Playwright or dask; `make test`/`make setup` install the dev extras
# (which hold the pdf and dask extras too). One stamp each: the dev install also satisfies the report one, so
# `make test` then `make report` installs nothing, and `make report` then `make test` adds the dev extras.
REPORT_EXTRAS ?= growth
DEV_EXTRAS ?= dev,growth
REPORT_STAMP := $(VENV)/.installed-report
DEV_STAMP := $(VENV)/.installed-dev
JOBS ?=

.PHONY: help setup kernel data kit report lint test test-fast bench clean browser axe

help:
	@echo "make report  - install what rendering needs, render the default series (reports/index.html) from data/raw or kit"
	@echo "make test    - install the dev extras, lint (ruff, mypy) and run the whole test suite"
	@echo "make test-fast - lint and run the suite without the tests marked slow"
	@echo "make lint    - ruff (E, F, B, UP, SIM) on src/tests/benchmarks and mypy on stats, render, chapters"
	@echo "make data    - fetch the full sources into data/raw (checksums verified; not needed for make report)"
	@echo "make kit     - rebuild the embedded data kit (data/kit) from the full sources"
	@echo "make bench   - run the benchmarks (prints speed ratios against peers)"
	@echo "make axe     - install axe-core from npm for the browser accessibility tests (make test does it)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# $(call install,EXTRAS): pip install -e ".[EXTRAS]" (or "." without extras) and the "healthintel" Jupyter kernel
define install
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".$(if $(1),[$(1)])"
	$(BIN)/python -m ipykernel install --sys-prefix --name healthintel --display-name "Python (healthintel)"
endef

$(REPORT_STAMP): pyproject.toml | $(BIN)/python
	$(call install,$(REPORT_EXTRAS))
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(call install,$(DEV_EXTRAS))
	touch $@ $(REPORT_STAMP)

setup: $(DEV_STAMP)

kernel: $(REPORT_STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name healthintel --display-name "Python (healthintel)"

data: $(REPORT_STAMP)
	$(BIN)/healthintel data fetch

kit: $(REPORT_STAMP)
	$(BIN)/healthintel data build-kit

report: $(REPORT_STAMP)
	$(BIN)/healthintel render $(if $(JOBS),--jobs $(JOBS),)

# The browser tests drive Debian's Chromium through Playwright (`playwright install` is not used): install it on a
# fresh machine (CI runs as root), a no-op when chromium is already there.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

# axe-core, the accessibility rules the browser tests run in every page, from npm: the version pinned in
# package.json / package-lock.json (npm ci verifies its checksum), into node_modules/. npm comes from Debian when
# missing (CI runs as root on a fresh clone).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@command -v npm >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y nodejs npm)
	npm ci --no-audit --no-fund
	touch $(AXE)

axe: $(AXE)

PYTEST := $(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-kernel-name healthintel -p no:cacheprovider

# ruff and mypy read their configuration from pyproject.toml; a lint error fails `make test` before pytest runs.
lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

test: browser axe lint
	$(PYTEST) $(PYTEST_ARGS)

# Skips the tests marked slow (notebook execution, report rendering, long Monte-Carlo reference checks).
test-fast: lint
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	$(BIN)/python -m pip install -e ".[bench]"
	$(BIN)/python benchmarks/bench_stats.py

clean:
	rm -rf $(VENV) node_modules reports/* data/processed/* && touch reports/.gitkeep data/processed/.gitkeep
