# 执播 Zhibo — development tasks. Needs only python3 (and, for the PostgreSQL run,
# the PostgreSQL server binaries; for the browser tests, chromium).
#
#   make run        venv + translations + migrations + demo data, then serve on http://127.0.0.1:5000
#   make test       the suite on SQLite, then again on a throwaway PostgreSQL (when available / CI=true)
#   make test-sqlite / make test-pg     one of the two runs
#   make lint       ruff when installed, else a byte-compile check
#   make clean      caches, compiled catalogs, test artifacts  (make distclean: also .venv and instance/)
#
# PYTEST_ARGS="-k register -x" narrows a test run.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.zhibo-installed
PYTEST_ARGS ?=
PYTEST = $(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

export FLASK_APP := wsgi:app

.PHONY: help venv translations db demo run test test-sqlite test-pg lint clean distclean

help:
	@sed -n '1,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

PO_FILES := $(wildcard app/translations/*/LC_MESSAGES/*.po)

# Compile each catalog when its .po is newer than its .mo.
%.mo: %.po | $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

translations: $(PO_FILES:.po=.mo)
ifeq ($(PO_FILES),)
	@echo "translations: no app/translations catalog yet; the UI stays in the source language"
endif

db: venv
	mkdir -p instance
	$(BIN)/flask db upgrade

demo: db
	@out="$$($(BIN)/flask demo load --if-empty)" || { echo "$$out"; exit 1; }; \
	echo "$$out"; \
	echo "$$out" | $(BIN)/python scripts/demo_logins.py --unless-printed

run: translations demo
	@echo "Serving 执播 on http://$${HOST:-127.0.0.1}:$${PORT:-5000}  (Ctrl-C stops)"
	$(BIN)/python wsgi.py

# Both runs always happen; the target fails if either failed. Each run's output is also
# kept in test-artifacts/pytest-<run>.log, and both summary lines are repeated at the end.
test: translations
	@rm -f test-artifacts/pytest-sqlite.log test-artifacts/pytest-pg.log; status=0; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	if [ "$${CI:-}" = true ] || scripts/pg_test_server.sh --check >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory test-pg || status=1; \
	else \
	  echo "== PostgreSQL run not done: no initdb/pg_ctl found (install postgresql; CI=true requires it) =="; \
	fi; \
	echo "== results (SQLite, then PostgreSQL) =="; \
	for run in sqlite pg; do \
	  if [ -f test-artifacts/pytest-$$run.log ]; then grep -E ' in [0-9.]+s( \(.*\))?( =+)?$$' test-artifacts/pytest-$$run.log | tail -n 1 || echo "$$run: no pytest summary"; fi; \
	done; \
	exit $$status

test-sqlite: translations
	@mkdir -p test-artifacts; echo "== pytest on SQLite =="; start=$$SECONDS; status=0; \
	env -u DATABASE_URL $(PYTEST) 2>&1 | tee test-artifacts/pytest-sqlite.log || status=$$?; \
	echo "== SQLite run: exit $$status in $$((SECONDS - start))s =="; exit $$status

test-pg: translations
	@mkdir -p test-artifacts; echo "== pytest on PostgreSQL =="; start=$$SECONDS; status=0; \
	scripts/pg_test_server.sh $(PYTEST) 2>&1 | tee test-artifacts/pytest-pg.log || status=$$?; \
	echo "== PostgreSQL run: exit $$status in $$((SECONDS - start))s =="; exit $$status

lint: venv
	@if [ -x $(BIN)/ruff ]; then $(BIN)/ruff check .; \
	else echo "lint: ruff not installed; byte-compiling only"; \
	  $(BIN)/python -m compileall -q app tests scripts migrations config.py wsgi.py >/dev/null; fi
	bash -n scripts/*.sh .ci/run

clean:
	rm -rf .pytest_cache test-artifacts build *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find app -name '*.mo' -delete

distclean: clean
	rm -rf $(VENV) instance
