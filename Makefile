# Each target bootstraps its own virtual environment (.venv) with Python >= 3.12.
PYTHON ?= $(shell scripts/find_python.sh)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench scenarios calibrate check golden clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## baseline scenario: run, summary table, figures
	$(BIN)/khorasan run scenarios/baseline.toml --overwrite
	$(BIN)/khorasan summarize results/baseline --window 2017-01:2021-08
	$(BIN)/khorasan plot results/baseline

test: $(STAMP)  ## lint and the test suite
	$(BIN)/ruff check model tests benchmarks scripts
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check model tests benchmarks scripts
	$(BIN)/ruff format --check model tests benchmarks scripts

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py --json

golden: $(STAMP)  ## refresh the fixed-seed golden baseline (review the diff!)
	$(BIN)/python scripts/update_golden.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
