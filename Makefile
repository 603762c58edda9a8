# iei-sim: `make run` (baseline scenario) and `make test` (test suite) are all a new user needs.
# Each target creates .venv with Python >= 3.12 on first use and installs the exact versions of
# requirements.lock, then the package itself; `make lock` regenerates the lock from pyproject.toml.

VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/baseline.yaml

# The lock: every dependency of the package and of EXTRAS, pinned, for Python 3.12 on Linux.
LOCK := requirements.lock
# The extras that `make` locks and so installs (space-separated, e.g. `all dev`); after changing
# this line, run `make lock`.
EXTRAS := all dev
# pip and pip-tools are pinned too, so that building .venv and `make lock` are reproducible.
PIP_PIN := pip==26.3
PIP_TOOLS_PIN := pip-tools==7.6.2
# pip-compile runs in a venv of its own, so it never changes .venv and works while .venv is stale.
LOCK_VENV := .venv-lock

# First interpreter that is really Python >= 3.12 (a pyenv shim that is not activated is skipped).
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 $$HOME/.pyenv/versions/3.1[234]*/bin/python3 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run test test-slow rebaseline bench bench-sensitivity lint docs clean-venv lock

# A new lock, a changed pyproject.toml or a missing .venv rebuilds the environment: the locked
# versions first, then the package without resolving anything; `pip check` stops here when
# pyproject.toml names a dependency that the lock does not hold.
$(BIN)/iei-sim: pyproject.toml $(LOCK)
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.12 not found; install it or run 'make PYTHON=/path/to/python3.12'"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet '$(PIP_PIN)'
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(BIN)/python -m pip check || { echo "error: .venv does not satisfy pyproject.toml; run 'make lock' to update $(LOCK)"; exit 1; }
	@touch $@

$(LOCK):
	@echo "error: $(LOCK) is missing; run 'make lock' to create it"; exit 1

# Regenerate the lock from pyproject.toml. Pins already in the lock are kept when they still
# fit; `make lock UPGRADE=1` moves every package to its newest allowed release. The package itself
# is the only "unsafe" one, so an extra that names other extras (`iei-sim[viz]`) leaves it as a
# comment instead of a pin to this checkout's path; pip and setuptools are pinned like the rest.
lock:
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.12 not found; install it or run 'make PYTHON=/path/to/python3.12'"; exit 1; }
	@test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	@$(LOCK_VENV)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' || { echo "error: the lock is for Python 3.12; run 'make lock PYTHON=/path/to/python3.12'"; exit 1; }
	$(LOCK_VENV)/bin/python -m pip install --quiet '$(PIP_PIN)' '$(PIP_TOOLS_PIN)'
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
		$(foreach extra,$(EXTRAS),--extra=$(extra)) $(if $(UPGRADE),--upgrade) \
		--strip-extras --no-allow-unsafe --unsafe-package=iei-sim \
		--no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
		--output-file=$(LOCK) pyproject.toml

run: $(BIN)/iei-sim
	$(BIN)/iei-sim run $(SCENARIO)

test: $(BIN)/iei-sim
	$(BIN)/python -m pytest

test-slow: $(BIN)/iei-sim
	$(BIN)/python -m pytest -m slow

# Recompute the regression baseline (tests/baseline/*.json) after a deliberate change of results,
# printing every changed value; commit the files with the reason (tests/baseline/README.md).
rebaseline: $(BIN)/iei-sim
	$(BIN)/python -m tests.baseline.update

bench: $(BIN)/iei-sim
	$(BIN)/python benchmarks/bench_regional.py
	$(BIN)/python benchmarks/bench_experiments.py
	$(BIN)/python benchmarks/crn.py
	$(BIN)/python benchmarks/bench_vs_ema.py
	$(BIN)/python benchmarks/bench_cli_startup.py
	$(BIN)/python benchmarks/bench_cli_overhead.py
	$(BIN)/python benchmarks/bench_dashboard.py

bench-sensitivity: $(BIN)/iei-sim  # the shipped Sobol' analysis end to end (about 13 min)
	$(BIN)/python benchmarks/bench_sensitivity.py

lint: $(BIN)/iei-sim
	$(BIN)/ruff check src tests benchmarks tools

docs: $(BIN)/iei-sim
	$(BIN)/python -m tools.scenario_reference > docs/scenario-reference.md
	$(BIN)/python -m tools.outcome_reference > docs/outcomes.md
	$(BIN)/python -m tools.odd_schedule docs/ODD.md

clean-venv:
	rm -rf $(VENV) $(LOCK_VENV)

# --- Notebooks and dashboard -------------------------------------------------------------------
.PHONY: notebook dashboard dashboard-assets

DASHBOARD_SCENARIO ?= scenarios/small.yaml
# JupyterLab refuses to start as root unless told; containers often run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

notebook: $(BIN)/iei-sim
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ALLOW_ROOT)

dashboard: $(BIN)/iei-sim
	$(BIN)/iei-sim dashboard $(DASHBOARD_SCENARIO)

# Only for an environment whose Solara is not the lock's (the lock's solara-assets holds the page's
# front end): the assets from the npm registry, for machines that cannot reach Solara's CDN (needs npm).
dashboard-assets: $(BIN)/iei-sim
	$(BIN)/python -m iei_sim.dashboard.assets

# Policy responses (MODEL.md §5): power analysis → tests/policy_power.json, confirmatory runs →
# docs/policy-responses.md and .csv; under a minute with 2 workers.
.PHONY: policy-responses
policy-responses: $(BIN)/iei-sim
	$(BIN)/python -m tools.policy_responses --workers 2

# Validation report (docking with replicator dynamics, patterns, policy tests) → docs/validation.md
# and docs/figures/; about a minute. `make validation RECOMPUTE=1` also reruns patterns and policy tests.
.PHONY: validation
validation: $(BIN)/iei-sim
	$(BIN)/python -m tools.validation_report $(if $(RECOMPUTE),--recompute --workers 2)
