# borderwatch: the two set-up commands (`make run`, `make test`) work on a fresh machine:
# each creates .venv in the checkout and installs what it needs the first time.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
BW := $(VENV)/bin/borderwatch
STAMP := $(VENV)/.installed

.PHONY: install run demo test lint typecheck bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "borderwatch needs Python >= 3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# `make run` starts the whole system on the embedded default (one process, SQLite event log
# in $(DATA)) with the digital twin streaming full-border-day into its CoT port, and prints
# the URL and a first-login account. The certificate authority is made on the first run.
DATA ?= borderwatch-data
TWIN ?= full-border-day
SPEED ?= 1
run: $(STAMP)
	@test -f $(DATA)/pki/ca.key || $(BW) certs init --data $(DATA)
	$(BW) run --data $(DATA) --twin $(TWIN) --speed $(SPEED)

# The earlier demo: simulate quiet-night, replay it through the engine, score it, draw it.
demo: $(STAMP)
	$(BW) simulate quiet-night --seed 1 --out runs/quiet-night --plot runs/quiet-night/twin.png
	$(BW) replay runs/quiet-night
	$(BW) eval runs/quiet-night --alerts runs/quiet-night/alerts.jsonl --tracks runs/quiet-night/tracks.jsonl
	@echo "picture: runs/quiet-night/twin.png"

lint: $(STAMP)
	$(VENV)/bin/ruff check borderwatch tests bench
	$(VENV)/bin/ruff format --check borderwatch tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

test: lint typecheck
	$(VENV)/bin/pytest -q

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) runs .mypy_cache .pytest_cache .ruff_cache  # never $(DATA): the event log
