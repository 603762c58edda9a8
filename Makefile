# iei-sim: `make run` (baseline scenario) and `make test` (test suite) are all a new user needs.
# Each target creates .venv with Python >= 3.12 and installs the package on first use.

VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/baseline.yaml

# First interpreter that is really Python >= 3.12 (a pyenv shim that is not activated is skipped).
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 $$HOME/.pyenv/versions/3.1[234]*/bin/python3 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run test test-slow bench bench-sensitivity lint docs clean-venv

$(BIN)/iei-sim: pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.12 not found; install it or run 'make PYTHON=/path/to/python3.12'"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(BIN)/iei-sim
	$(BIN)/iei-sim run $(SCENARIO)

test: $(BIN)/iei-sim
	$(BIN)/python -m pytest

test-slow: $(BIN)/iei-sim
	$(BIN)/python -m pytest -m slow

bench: $(BIN)/iei-sim
	$(BIN)/python benchmarks/bench_regional.py
	$(BIN)/python benchmarks/bench_experiments.py

bench-sensitivity: $(BIN)/iei-sim  # the shipped Sobol' analysis end to end (about 13 min)
	$(BIN)/python benchmarks/bench_sensitivity.py

lint: $(BIN)/iei-sim
	$(BIN)/ruff check src tests benchmarks

docs: $(BIN)/iei-sim
	$(BIN)/python -m iei_sim.scenario.reference > docs/scenario-reference.md

clean-venv:
	rm -rf $(VENV)

# --- Notebooks and dashboard -------------------------------------------------------------------
.PHONY: notebook dashboard dashboard-assets

DASHBOARD_SCENARIO ?= scenarios/small.yaml
# JupyterLab refuses to start as root unless told; containers often run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

notebook: $(BIN)/iei-sim
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ALLOW_ROOT)

dashboard: $(BIN)/iei-sim
	-$(BIN)/python -m iei_sim.dashboard.assets
	$(BIN)/iei-sim dashboard $(DASHBOARD_SCENARIO)

# Solara's page assets from the npm registry, for machines that cannot reach Solara's CDN (needs npm).
dashboard-assets: $(BIN)/iei-sim
	$(BIN)/python -m iei_sim.dashboard.assets

# Validation report (docking with replicator dynamics, patterns, policy tests) → docs/validation.md
# and docs/figures/; about a minute. `make validation RECOMPUTE=1` also reruns patterns and policy tests.
.PHONY: validation
validation: $(BIN)/iei-sim
	$(BIN)/python -m iei_sim.docking.report $(if $(RECOMPUTE),--recompute --workers 2)
