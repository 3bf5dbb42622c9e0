# Recettes — the two set-up commands of the README:
#   make demo   installs everything, creates the demo association in ./var and closes every month
#   make test   installs everything and runs the test suite
# and for developers: make check   lint, format, SQL lint, types and the fast tests, in under 2 minutes
# uv is installed from PyPI when the machine lacks it; system libraries come from apt-get.

SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils chromium \
                   postgresql docker-compose
export RECETTES_HOME ?= $(CURDIR)/var

.PHONY: demo test check ui install system uv lint

demo: install
	$(UV) run recettes demo

test: install
	$(UV) run pytest -n 2 --dist loadscope --no-loadscope-reorder

# The fast loop: ruff (lint and format), sqlfluff on sql/, mypy and the tests marked neither slow nor e2e (no Dagster
# close, no system package, no browser). No apt step: the Python dependencies only. `make test` runs everything.
check: uv
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen sqlfluff lint sql --processes 2
	$(UV) run --frozen mypy
	$(UV) run --frozen pytest -q -m "not slow and not e2e" -n 2 -p no:logging

ui: install
	$(UV) run recettes ui

lint: install
	$(UV) run ruff check .

# Bytecode compiled once at install: where PYTHONDONTWRITEBYTECODE is set (many container images), every
# process would otherwise compile Dagster, Great Expectations and pandas again (7 s of CPU per close).
install: system uv
	$(UV) sync --frozen --compile-bytecode
	$(UV) run --frozen python -m compileall -q assets checks pipelines reports demo bench tests >/dev/null

uv:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --user --quiet uv

# System libraries for the documents (Pango/HarfBuzz for WeasyPrint), poppler for the PDF tests, Chromium for
# the report tests and PostgreSQL for the test of the Dagster instance on a server; installed only when missing
# (as root, or through sudo).
system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install" $$missing; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
