# The README's two commands: `make demo` and `make test`. Both bootstrap .venv from scratch.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# checkov, the scanner users run in CI, in a venv of its own (it pins many dependencies of its own).
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV    := .venv-checkov
CHECKOV_STAMP   := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

.PHONY: test demo golden render scan bench clean

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
	$(MAKE) --no-print-directory scan

demo: $(STAMP)
	scripts/demo.sh

# Regenerate the committed templates and the builders' golden files after a builder change.
render: $(STAMP)
	$(BIN)/cfngen render

golden: $(STAMP)
	CFNGEN_REGENERATE_GOLDEN=1 $(BIN)/pytest -q tests/unit/test_golden.py

$(CHECKOV_STAMP):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q 'checkov==$(CHECKOV_VERSION)'
	touch $(CHECKOV_STAMP)

# checkov on every example template and the bootstrap template: any finding that is neither fixed nor waived on
# its resource (cfngen/builders/scanner.py) fails. No downloads: only checkov's built-in checks, offline.
scan: $(STAMP) $(CHECKOV_STAMP)
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	cp templates/*.json "$$dir"/ && \
	$(BIN)/python -c 'import sys; from cfngen.deploy.bootstrap import template; from cfngen.render import canonical_json; sys.stdout.write(canonical_json(template()))' >"$$dir"/cfngen-bootstrap.json && \
	$(CHECKOV_VENV)/bin/checkov -d "$$dir" --framework cloudformation --skip-download --quiet --compact -o cli

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/deploy.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .mypy_cache .ruff_cache
