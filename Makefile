# csctl — set-up, demo, tests and checks. Everything it needs it installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check format bench bench-100m bench-report golden sample lock clean fuzz docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"

# requirements.lock pins every package (made with `make lock`), so a fresh install is reproducible.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,distributed]"
	touch $(STAMP)

$(VENV)/.bench: $(STAMP) pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,distributed,bench]"
	touch $(VENV)/.bench

demo: $(STAMP)
	$(BIN)/csctl numbers sample_data/billing.csv --customers sample_data/customers.csv --format table
	$(BIN)/csctl numbers sample_data/billing.csv --view quarters --format table
	$(BIN)/csctl numbers sample_data/billing.csv --view forecast --format table
	$(BIN)/csctl segment sample_data/customers.csv --billing sample_data/billing.csv --format csv \
	  | $(BIN)/csctl health - --usage sample_data/usage.csv --tickets sample_data/tickets.csv \
	      --surveys sample_data/surveys.csv --format markdown -o health-report.md
	head -40 health-report.md
	rm -rf demo-client && mkdir demo-client && cp sample_data/*.csv sample_data/asis.yaml demo-client/
	$(BIN)/csctl init demo-client
	grep -n "history_starts" sample_data/csctl.yaml
	$(BIN)/csctl report -c demo-client/csctl.yaml -o demo-client/report
	head -16 demo-client/report/assessment.md

test: $(STAMP)
	$(BIN)/python -m pytest -n 2

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n 2

# the hostile-input suite: 10,000 mutated runs over the 13 commands (each bounded to 60 s and 2 GiB), a table per
# command, each finding's files in fuzz-findings/; then 50 kill -9 of report -o. FUZZ_CASES, FUZZ_JOBS, FUZZ_SEED;
# FUZZ_ISOLATION=process runs each case in a new interpreter instead of a child forked from one that has imported
# csctl (about 4x the CPU a case: python -m tests.fuzz.hostile --cases 300 --seed 16 --isolation process, then fork)
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.hostile --cases $${FUZZ_CASES:-10000} --jobs $${FUZZ_JOBS:-2} \
	  --seed $${FUZZ_SEED:-16} --isolation $${FUZZ_ISOLATION:-fork} --log fuzz.log --keep fuzz-findings
	CSCTL_KILLS=50 $(BIN)/python -m pytest tests/test_hostile.py -k kill_9

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# docs/cli.md (every command's --help) and the figures of docs/definitions.md (each command's --explain), from the
# code; tests/test_docs.py fails when they are out of date
docs: $(STAMP)
	$(BIN)/python scripts/docs.py

golden: $(STAMP)
	CSCTL_UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/test_render_golden.py

# 1M and 10M generated lines, paired rotated rounds (see bench/bench_numbers.py); BENCH_ARGS adds options,
# e.g. BENCH_ARGS="--sizes 1000000 --old-tree /tmp/csctl-old" (a `git worktree add --detach` of an earlier commit)
# csctl's modules compiled first, as an installed package's are: no run pays for compiling them
bench: $(VENV)/.bench
	$(BIN)/python -m compileall -q csctl
	$(BIN)/python bench/bench_numbers.py $(BENCH_ARGS)

# by hand: csctl numbers on 100M lines made on the fly in a temporary folder (about 9 GB of disk, 30-60 min);
# peak RSS against 8 GiB, the bridge's identities checked; bench/results-100m.md
bench-100m: $(VENV)/.bench
	$(BIN)/python -m compileall -q csctl
	$(BIN)/python bench/bench_large.py $(BENCH_ARGS)

# by hand: csctl report on the sample company at 50,000 customers (a workspace made on the fly, about 2 minutes),
# its median wall time against 60 s and its files identical from round to round; bench/results-report.md
bench-report: $(VENV)/.bench
	$(BIN)/python -m compileall -q csctl
	$(BIN)/python bench/bench_report.py $(BENCH_ARGS)

# the committed sample company (csctl sample's defaults)
sample: $(STAMP)
	$(BIN)/csctl sample -o sample_data

lock:
	rm -rf /tmp/csctl-lock && $(PYTHON) -m venv /tmp/csctl-lock
	/tmp/csctl-lock/bin/pip install --quiet ".[dev,distributed,bench]"
	/tmp/csctl-lock/bin/pip freeze --exclude-editable | grep -v '^csctl' > requirements.lock

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache demo-client health-report.md fuzz.log fuzz-findings
