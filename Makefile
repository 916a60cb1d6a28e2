# The README's two commands: `make demo` and `make test`. Both bootstrap .venv from scratch.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test demo golden render bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check cfngen tests bench stacks
	$(BIN)/ruff format --check cfngen tests bench stacks
	$(BIN)/mypy
	$(BIN)/cfngen check
	$(BIN)/pytest -q -n auto

demo: $(STAMP)
	scripts/demo.sh

# Regenerate the committed templates and the builders' golden files after a builder change.
render: $(STAMP)
	$(BIN)/cfngen render

golden: $(STAMP)
	CFNGEN_REGENERATE_GOLDEN=1 $(BIN)/pytest -q tests/unit/test_golden.py

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/deploy.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
