# The workbook's jobs. `make plans` and `make test` set everything up on a machine with
# Python 3.11 and pip: they create .venv if it is missing and install the project into it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEV_STAMP := $(VENV)/.dev-installed-stamp
PARAMS ?= parameters
OUTPUTS ?= outputs

.PHONY: plans test test-fast lab validate install clean-outputs lint schema

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,distributed]'
	@touch $(STAMP)

# the lint tools (the dev extra), only for `make lint`
$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,distributed,dev]'
	@touch $(DEV_STAMP)

install: $(STAMP)

## plans: validate parameters/, publish a plan version for every account and the portfolio overview
plans: $(STAMP)
	$(BIN)/kam --params $(PARAMS) --outputs $(OUTPUTS) validate
	$(BIN)/kam --params $(PARAMS) --outputs $(OUTPUTS) batch

## test: the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest

## test-fast: the suite without the slow tests (notebook runs, browser, cluster, soak, faults, wheel): about 2 minutes
# tests/ only, without nbval: pyproject's addopts would run every notebook of notebooks/ as well
test-fast: $(STAMP)
	$(BIN)/python -m pytest -p no:nbval -o addopts=-ra -m "not slow" tests

## lab: JupyterLab at notebooks/ with the kernel of .venv
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

validate: $(STAMP)
	$(BIN)/kam --params $(PARAMS) validate

## schema: regenerate the parameter files' JSON Schema (parameters/schemas/, the training case's copy) after a model change
schema: $(STAMP)
	$(BIN)/python -c 'from kamlib.parameters.schema import write_schemas; write_schemas("$(PARAMS)/schemas"); write_schemas("notebooks/training/case/schemas")'

## lint: ruff, mypy, and the import contract of kamlib's layers (import-linter, pyproject.toml)
lint: $(DEV_STAMP)
	$(BIN)/ruff check kamlib tests benchmarks
	$(BIN)/python -m mypy kamlib
	$(BIN)/lint-imports --no-logo

clean-outputs:
	find $(OUTPUTS) -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
