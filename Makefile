# Each target bootstraps its own virtual environment (.venv) with Python >= 3.12.
PYTHON ?= $(shell scripts/find_python.sh)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench scenarios calibrate hindcast replicate golden clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## baseline scenario: run, summary tables (calibration and projection windows), figures
	$(BIN)/khorasan run scenarios/baseline.toml --overwrite
	$(BIN)/khorasan summarize results/baseline --window 2017-01:2021-08
	$(BIN)/khorasan summarize results/baseline --window 2021-09:2023-12
	$(BIN)/khorasan plot results/baseline

# Every shipped scenario (scenarios/*.toml except sweeps) with the same seed, so that replicate r
# of each scenario pairs with replicate r of the baseline. More workers or fewer replicates:
# make scenarios SCENARIO_ARGS="--workers 8 --replicates 48" (a multiple of run.seeds_per_draw, 4)
SCENARIO_SEED ?= 20150126
SCENARIO_ARGS ?=
SCENARIO_FILES = $(foreach f,$(sort $(wildcard scenarios/*.toml)),\
                   $(if $(findstring sweep,$(notdir $(f))),,$(f)))
SCENARIO_DIRS = $(addprefix results/,$(basename $(notdir $(SCENARIO_FILES))))

scenarios: $(STAMP)  ## all scenarios, same seed: results/<name>/, results/compare, report
	@for f in $(SCENARIO_FILES); do \
	  echo "khorasan run $$f --seed $(SCENARIO_SEED) --overwrite $(SCENARIO_ARGS)"; \
	  $(BIN)/khorasan run $$f --seed $(SCENARIO_SEED) --overwrite $(SCENARIO_ARGS) \
	    --out results/$$(basename $$f .toml) || exit 1; \
	done
	$(BIN)/khorasan compare $(SCENARIO_DIRS) --baseline baseline --out results/compare
	$(BIN)/khorasan report $(SCENARIO_DIRS) --baseline baseline -o results/report/report.html \
	  --overwrite

# The calibration (history matching + rejection ABC, about 25 minutes on two cores). An
# interrupted run continues with: make calibrate CALIBRATE_ARGS=--resume
CALIBRATE_ARGS ?= --overwrite
calibrate: $(STAMP)  ## screen, calibrate, check: calibration/screening, posterior, diagnostics, figures
	$(BIN)/khorasan screen --out calibration/screening --overwrite
	$(BIN)/khorasan calibrate calibration/calibrate.toml $(CALIBRATE_ARGS)
	$(BIN)/khorasan check --replicates 200

hindcast: $(STAMP)  ## calibrate on the targets up to 2019-12, score 2020-01..2021-08
	$(BIN)/khorasan calibrate calibration/hindcast/calibrate.toml $(CALIBRATE_ARGS)
	$(BIN)/khorasan hindcast --overwrite

replicate: $(STAMP)  ## the committed configuration under three seeds: calibration/replication.json
	$(BIN)/python scripts/replicate_calibration.py

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
