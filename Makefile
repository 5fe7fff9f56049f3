# The workbook's jobs. `make plans` and `make test` set everything up on a machine with
# Python 3.11 and pip: they create .venv if it is missing and install the project into it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PARAMS ?= parameters
OUTPUTS ?= outputs

.PHONY: plans test lab validate install clean-outputs lint schema

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,distributed]'
	@touch $(STAMP)

install: $(STAMP)

## plans: validate parameters/, publish a plan version for every account and the portfolio overview
plans: $(STAMP)
	$(BIN)/kam --params $(PARAMS) --outputs $(OUTPUTS) validate
	$(BIN)/kam --params $(PARAMS) --outputs $(OUTPUTS) batch

## test: the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest

## lab: JupyterLab at notebooks/ with the kernel of .venv
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

validate: $(STAMP)
	$(BIN)/kam --params $(PARAMS) validate

## schema: regenerate the parameter files' JSON Schema (parameters/schemas/, the training case's copy) after a model change
schema: $(STAMP)
	$(BIN)/python -c 'from kamlib.parameters.schema import write_schemas; write_schemas("$(PARAMS)/schemas"); write_schemas("notebooks/training/case/schemas")'

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet ruff && $(BIN)/ruff check kamlib tests

clean-outputs:
	find $(OUTPUTS) -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
