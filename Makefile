# The workbook's jobs. `make plans` and `make test` set everything up on a machine with
# Python 3.11 and pip: they create .venv if it is missing and install the project into it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEV_STAMP := $(VENV)/.dev-installed-stamp
PARAMS ?= parameters
OUTPUTS ?= outputs

.PHONY: plans test test-fast lab app validate install clean-outputs lint schema axe

# axe-core, the accessibility engine tests/test_accessibility.py runs in Chromium: from the npm
# registry, pinned to a version and the sha512 integrity the registry publishes for it, fetched
# once when the tests are set up (into .venv, not committed); the workbook never fetches anything.
AXE_VERSION   := 4.14.1
AXE_INTEGRITY := sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
AXE           := $(VENV)/axe-core/$(AXE_VERSION)/axe.min.js

define FETCH_AXE
import base64, hashlib, io, sys, tarfile, urllib.request
version, integrity, target = sys.argv[1:4]
data = urllib.request.urlopen(f"https://registry.npmjs.org/axe-core/-/axe-core-{version}.tgz", timeout=120).read()
found = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
if found != integrity:
    sys.exit(f"axe-core {version}: the download's integrity {found} is not the pinned {integrity}")
with tarfile.open(fileobj=io.BytesIO(data)) as package, open(target, "wb") as out:
    out.write(package.extractfile("package/axe.min.js").read())
endef
export FETCH_AXE

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
test: $(STAMP) $(AXE)
	KAM_AXE=$(AXE) $(BIN)/python -m pytest

## test-fast: the suite without the slow tests (notebook runs, browser, cluster, soak, faults, wheel): about 4 minutes
# tests/ only, without nbval: pyproject's addopts would run every notebook of notebooks/ as well
test-fast: $(STAMP)
	$(BIN)/python -m pytest -p no:nbval -o addopts=-ra -m "not slow" tests

## axe: fetch axe-core (pinned, integrity checked) for the accessibility tests
axe: $(AXE)

$(AXE): | $(STAMP)
	@mkdir -p $(dir $@)
	$(BIN)/python -c "$$FETCH_AXE" $(AXE_VERSION) $(AXE_INTEGRITY) $@.part
	@mv $@.part $@

## lab: JupyterLab at notebooks/ with the kernel of .venv
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

## app: the workbook as a web app (Voilà, code hidden) on http://localhost:$(PORT), offline; Ctrl-C stops it
PORT ?= 8866
app: $(STAMP)
	$(BIN)/kam --params $(PARAMS) app --port $(PORT)

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
