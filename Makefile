# csctl — set-up, demo, tests and checks. Everything it needs it installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint format bench golden docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.3"

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,bench]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/csctl numbers sample_data/billing.csv --customers sample_data/customers.csv
	$(BIN)/csctl numbers sample_data/billing.csv --view bridge --format table

test: $(STAMP)
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

golden: $(STAMP)
	CSCTL_UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/test_render_golden.py

bench: $(STAMP)
	$(BIN)/python bench/bench_numbers.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
