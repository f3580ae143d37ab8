# Two entry points for a fresh clone: `make run` and `make test`. Each creates .venv itself.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test venv clean bench

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

## Analyse the flagship model and write the HTML report to report.html
run: $(STAMP)
	$(BIN)/scenarist analyze --report report.html

## Run the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest

## Run the benchmarks (on demand; results go in docs/performance.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) report.html
