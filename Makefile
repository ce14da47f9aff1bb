# cardwire: the two README commands are `make demo` and `make test`.
# Each creates .venv and installs what it needs; `make test` also installs the Debian packages
# of the real PC/SC stack (pcscd, vsmartcard-vpcd, ...) when they are missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_BASE := $(VENV)/.installed-base
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck pytest bench fuzz docs dist clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_BASE): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[cli,sim]'
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	bash scripts/system-deps.sh
	$(BIN)/python -m pip install --quiet -e '.[all,dev,docs]'
	touch $@ $(STAMP_BASE)

demo: $(STAMP_BASE)
	$(BIN)/cardwire demo

system-deps:
	bash scripts/system-deps.sh

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks fuzz docs/conf.py
	$(BIN)/ruff format --check src tests benchmarks fuzz docs/conf.py
	PYTHONPATH=src $(BIN)/lint-imports --no-cache

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

pytest: $(STAMP_DEV)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP_DEV)
	$(BIN)/python -m pip install --quiet -e '.[all,dev,bench]'
	$(BIN)/python -m benchmarks

# The user guide and API reference, warnings as errors (the tests build it too).
docs: $(STAMP_DEV)
	$(BIN)/python -m sphinx -E -W --keep-going -b html docs build/docs
	@echo "open build/docs/index.html"

# An sdist and a wheel in dist/ (tests/test_packaging.py installs the wheel in a fresh venv).
dist: $(STAMP_DEV)
	$(BIN)/python -m build --outdir dist

fuzz: $(STAMP_DEV)
	$(BIN)/python fuzz/campaign.py $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist
