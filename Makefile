# finclear — every target sets up what it needs from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCKS  := requirements/lock.txt requirements/dev-lock.txt
PEERS  := .venv-peers/lfh/.installed
export FINCLEAR_DEMO_SERVE ?= 1

.PHONY: help setup demo test test-fast lint format serve worker bench peers clean

help:
	@echo "make demo    set up, load a synthetic clinic into SQLite, run the pipeline, serve the app"
	@echo "make test    set up, lint, type-check and run the tests"
	@echo "make lint    ruff, mypy (strict on the pure core) and the import contracts"
	@echo "make serve   serve the app at http://127.0.0.1:8000"
	@echo "make worker  run a background task worker"
	@echo "make bench   run the benchmarks (prints finclear beside its peers)"

$(STAMP): $(LOCKS) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "finclear needs Python >= 3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-virtualenv -r requirements/lock.txt -r requirements/dev-lock.txt
	$(BIN)/python -m pip install --quiet --require-virtualenv --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# linuxforhealth-x12 pins pydantic 1.x, so it lives in a virtual environment of its own.
$(PEERS): requirements/peers-lfh.txt
	test -x .venv-peers/lfh/bin/python || $(PYTHON) -m venv .venv-peers/lfh
	.venv-peers/lfh/bin/python -m pip install --quiet -r requirements/peers-lfh.txt
	touch $(PEERS)

peers: $(PEERS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

# pytest exits 5 when it collects nothing: that is not a failure of the suite.
test: $(STAMP) $(PEERS) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then rc=0; fi; exit $$rc

test-fast: $(STAMP)
	$(BIN)/python -m pytest -x -q $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/finclear demo

serve: $(STAMP)
	$(BIN)/finclear manage migrate --noinput
	$(BIN)/finclear serve

worker: $(STAMP)
	$(BIN)/finclear manage db_worker

bench: $(STAMP) $(PEERS)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .venv-peers var build *.egg-info src/*.egg-info
