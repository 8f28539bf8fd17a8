# Two commands set everything up on a fresh machine (only Python >= 3.10 and pip needed):
#   make report   environment + install + the batch of HTML reports on the bundled data
#   make test     environment + install + the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KERNEL := analysis
STAMP  := $(VENV)/.installed-stamp
WORKERS ?=

.PHONY: install report assess test validate bench clean-reports kernel

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (analysis)"
	touch $(STAMP)

install: $(STAMP)

kernel: $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (analysis)"

## The main job: every target and city report + reports/index.html on the bundled data.
report: $(STAMP)
	$(BIN)/analysis data validate
	$(BIN)/analysis batch --out reports --extra backtest --extra panel:hte_count $(if $(WORKERS),--workers $(WORKERS),)

## Registry assessment only (fast, no notebooks).
assess: $(STAMP)
	$(BIN)/analysis assess --format table

validate: $(STAMP)
	$(BIN)/analysis data validate

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/bench_assess.py
	$(BIN)/python bench/bench_batch.py

clean-reports:
	rm -rf reports/*.html reports/targets reports/cities reports/_work
