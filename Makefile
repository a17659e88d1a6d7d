# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONSTRAINTS := requirements/constraints.txt

.PHONY: demo test lint typecheck docs bench clean lock

$(STAMP): pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/zhengji demo

test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python -m zhengji.clidoc > docs/cli.md

bench: $(STAMP)
	$(BIN)/python bench/engine.py

# Re-pin every dependency (run after changing pyproject.toml, then commit the file).
lock:
	rm -rf /tmp/zhengji-lock && $(PY) -m venv /tmp/zhengji-lock
	/tmp/zhengji-lock/bin/python -m pip install --quiet -e '.[dev]'
	/tmp/zhengji-lock/bin/python -m pip freeze --exclude-editable | grep -v '^zhengji' > $(CONSTRAINTS)

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
