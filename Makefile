# Two entry points for a fresh clone: `make run` and `make test`. Each creates .venv itself.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve run test test-fast lint venv clean bench fuzz

# What ruff lints and format-checks (make lint, .ci/run, the pre-commit hooks).
LINT_PATHS := src tests benchmarks scripts

# The last step compiles the numba kernels once (docs/performance.md, "First use"). A comment on a recipe line
# would be echoed with it, past 80 columns.
$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m scenarist.cib.warmup
	touch $(STAMP)

venv: $(STAMP)

## Analyse the flagship model and write the HTML report to report.html
run: $(STAMP)
	$(BIN)/scenarist analyze --report report.html

## Open the browser workspace at http://127.0.0.1:8000/ (Ctrl-C to stop)
serve: $(STAMP)
	$(BIN)/scenarist serve

## Run the whole test suite (tests and the docstring examples of src/scenarist)
test: $(STAMP)
	$(BIN)/python -m pytest

## Run the suite without the tests marked slow (each about 10 s or more)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

## Lint and check the formatting with ruff, as CI does (fix with: ruff check --fix; ruff format)
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

## Run the benchmarks (on demand; results go in docs/performance.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

## Fuzz every reader and the store (10 000 inputs per target; FUZZ_ARGS="-n 500 -t scw"); table in docs/reliability.md
fuzz: $(STAMP)
	nice -n 10 $(BIN)/python scripts/fuzz.py $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) report.html
