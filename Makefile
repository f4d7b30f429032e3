# Podium. `make demo` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test run lint format bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Rehearse the example event offline (SQLite, no language model) and say where the results are.
demo: $(STAMP)
	$(BIN)/podium rehearse examples/script.jsonl --report examples/report.md --out rehearsal-out
	@echo
	@echo "The rehearsal is in rehearsal-out/: open recap.md, digest.md, queue.md and timeline.png."
	@echo "Questions: rehearsal-out/questions.csv. Refused lines: rehearsal-out/refused.csv."

## Lint, check formatting, and run the tests (PostgreSQL too when PODIUM_TEST_DATABASE_URL is set).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

## Start the bot (DISCORD_TOKEN in .env; see the README).
run: $(STAMP)
	$(BIN)/podium run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Measure, write bench/results.json and refresh docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
