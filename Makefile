# Two environments on Python 3.10 (see README "Architecture"):
#   .venv       our packages (triage_model, actions, handoff) with current libraries
#   .venv-rasa  the Rasa server only (rasa 3.6.21 pins its own old libraries)
# Every target builds what it needs; `make setup` is idempotent and quick when nothing changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help
# A failing Rasa command would otherwise try to send a crash report to Sentry.
export RASA_TELEMETRY_ENABLED := false

VENV       := .venv
RASA_VENV  := .venv-rasa
PY         := $(VENV)/bin/python
UV         := $(VENV)/bin/uv
RASA_PY    := $(RASA_VENV)/bin/python
TRIAGE_DIR := models/triage
TRIAGE_STAMP := $(TRIAGE_DIR)/latest/metadata.json
# The folders too: a file removed from them changes only the folder's time.
TRIAGE_INPUTS := nlu_data/triage/train nlu_data/intents $(wildcard nlu_data/triage/train/*.jsonl) $(wildcard nlu_data/intents/*.yml) $(wildcard triage_model/*.py) triage_model/userdict/shop_words.txt
RASA       := $(RASA_VENV)/bin/rasa
RASA_MODEL := models/rasa/shop.tar.gz
BOT_FILES  := --config bot/config.yml --domain bot/domain.yml --data bot/data nlu_data/intents
# The agent console (console/), see "make console" below.
CONSOLE_MODULES := console/node_modules/.package-lock.json
CONSOLE_DIST := console/dist/index.html
CONSOLE_SOURCES := console/index.html console/vite.config.ts console/tsconfig.json console/compress-dist.mjs \
  $(shell find console/src -type f)
RASA_INPUTS := bot/config.yml bot/domain.yml bot/data nlu_data/intents $(wildcard bot/data/*.yml) $(wildcard nlu_data/intents/*.yml) triage_model/userdict/shop_words.txt $(wildcard rasa_extensions/*.py)


.PHONY: run-cluster
.PHONY: help setup run test train evaluate bench bench-cluster bench-intents bench-pipelines lint clean test-bot browser-deps console test-console

help:
	@echo "make setup     build both environments (idempotent)"
	@echo "make run       train what is stale; start actions, Rasa and the gateway (:8080)"
	@echo "make run-cluster  the same as several instances on PostgreSQL + Redis behind nginx"
	@echo "make test      run the whole test suite (the browser tests need make browser-deps)"
	@echo "make browser-deps  install Debian's chromium for the browser tests (root or sudo)"
	@echo "make train     train the triage model and the assistant if their data changed"
	@echo "make evaluate  evaluate the triage model on the held-out file and the realistic slice"
	@echo "make bench     print the benchmark tables"
	@echo "make bench-cluster  1 against 2 instances on PostgreSQL + Redis, and the open chats one machine holds (~20 min)"
	@echo "make bench-intents  intent macro-F1 by 5-fold cross-validation (~2 min)"
	@echo "make bench-pipelines  the chosen pipeline vs Rasa's default (DIET + TED), ~1.5 h"
	@echo "make lint      ruff + mypy + the console's type check (vue-tsc)"
	@echo "make console   install (npm ci) and build the agent console into console/dist"

setup: $(VENV)/.installed $(RASA_VENV)/.installed $(CONSOLE_DIST)

# The agent console (console/): Vue 3 + Element Plus + TypeScript, built by Vite into
# console/dist, which the gateway serves at /agent (never committed). `npm ci` runs only when
# the lockfile changed, the build only when a source changed.

$(CONSOLE_MODULES): console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CONSOLE_DIST): $(CONSOLE_SOURCES) $(CONSOLE_MODULES)
	cd console && npm run --silent build

console: $(CONSOLE_DIST)

# Vitest for the console's logic (a few seconds).
test-console: $(CONSOLE_MODULES)
	cd console && npm run --silent test

$(VENV)/.installed: pyproject.toml
	@PY310=$$(scripts/find-python310) || exit 1; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$PY310"; $$PY310 -m venv $(VENV); fi
	@[ -x $(UV) ] || $(VENV)/bin/pip install --quiet --disable-pip-version-check uv
	@# Bytecode now, not at each start: uv writes none, and with PYTHONDONTWRITEBYTECODE set
	@# every `python -m handoff` command would compile its libraries again (~1.3 s of CPU).
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -e '.[dev]'
	@touch $@

$(RASA_VENV)/.installed: requirements-rasa.txt Makefile $(VENV)/.installed
	@PY310=$$(scripts/find-python310) || exit 1; \
	  if [ ! -x $(RASA_PY) ]; then echo "Creating $(RASA_VENV) with $$PY310"; $(UV) venv --quiet --python $$PY310 $(RASA_VENV); fi
	$(UV) pip install --quiet --python $(RASA_PY) -r requirements-rasa.txt
	@# Rasa finds our pipeline components (rasa_extensions/) through this path file.
	@echo "$(CURDIR)" > "$$($(RASA_PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/shop-assistant.pth"
	@touch $@

$(TRIAGE_STAMP): $(TRIAGE_INPUTS) | $(VENV)/.installed
	$(PY) -m triage_model train

$(RASA_MODEL): $(RASA_INPUTS) | $(RASA_VENV)/.installed
	$(RASA) train $(BOT_FILES) --out models/rasa --fixed-model-name shop
	@touch $@  # rasa keeps an unchanged model's old mtime; make should not retrain it again

train: $(TRIAGE_STAMP) $(RASA_MODEL)

evaluate: $(TRIAGE_STAMP)
	$(PY) -m triage_model evaluate

run: setup train
	$(PY) -m triage_model demo
	scripts/run-services

# Several instances on this machine (README "Several instances"): PostgreSQL, Redis, nginx,
# two gateways, two Rasa servers, two action servers; writes var/cluster.env.
run-cluster: setup train
	$(PY) -m triage_model demo
	scripts/run-cluster

# The browser tests (tests/browser) drive Debian's /usr/bin/chromium through Playwright; we
# never download a browser build (`playwright install`). Nothing to do when it is installed.
# The fonts make Chinese text and emoji render in screenshots (the tests read the DOM).
CHROMIUM := /usr/bin/chromium
BROWSER_PACKAGES := chromium fonts-wqy-zenhei fonts-noto-color-emoji
browser-deps:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "no $(CHROMIUM) and no root: the browser tests will skip" >&2; exit 0; fi; \
	  echo "Installing chromium (apt-get)"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(BROWSER_PACKAGES)

# The Rasa project's own checks: data validation and the test stories.
test-bot: setup $(RASA_MODEL)
	$(RASA) data validate $(BOT_FILES)
	$(RASA) test core --model $(RASA_MODEL) --stories bot/tests --fail-on-prediction-errors --out reports/rasa

# pytest in two lanes side by side (scripts/run-tests says why); TEST_LANES=1 runs them in turn.
test: setup train test-bot browser-deps test-console
	scripts/run-tests

bench: setup train
	$(PY) bench/triage_bench.py
	$(RASA_PY) bench/realistic_routing_bench.py
	$(RASA_PY) bench/diet_bench.py
	$(PY) bench/rasa_bench.py
	$(PY) bench/claim_race.py
	$(PY) bench/gateway_bench.py

# Issue 14's benchmark (README "Benchmark and sizing"): run-cluster with 1, then 2 instances of
# each service; flat out through the widget, then a ramp of open chats until p99 > 2 s. About
# 20 minutes, so not part of `make bench`. BENCH_CLUSTER_ARGS passes options (--help).
bench-cluster: setup train
	$(PY) bench/cluster_bench.py $(BENCH_CLUSTER_ARGS)

# Issue 3's side-by-side: Rasa's default pipeline (DIET + TED, bench/rasa_default_config.yml)
# on the same data as bot/config.yml — intent macro-F1 by 5-fold CV and turn latency at 20
# concurrent conversations. Slow: about 1.5 h on two cores (DIET trains 100 epochs 6 times).
DEFAULT_MODEL := models/rasa-default/default.tar.gz
bench-pipelines: setup train bench-intents
	$(RASA) train --config bench/rasa_default_config.yml --domain bot/domain.yml --data bot/data nlu_data/intents --out models/rasa-default --fixed-model-name default
	$(RASA) test nlu --nlu nlu_data/intents --config bench/rasa_default_config.yml --cross-validation --folds 5 --out reports/intents-default
	@$(RASA_PY) -c "import json; r = json.load(open('reports/intents-default/intent_report.json'))['macro avg']; print(f\"default pipeline intent macro-F1 (5-fold CV): {r['f1-score']:.3f}\")"
	$(PY) bench/rasa_bench.py --model $(RASA_MODEL)
	$(PY) bench/rasa_bench.py --model $(DEFAULT_MODEL)

# Intent classification of bot/config.yml's pipeline, 5-fold cross-validation on nlu_data/intents.
bench-intents: $(RASA_VENV)/.installed
	$(RASA) test nlu --nlu nlu_data/intents --config bot/config.yml --cross-validation --folds 5 --out reports/intents
	@$(RASA_PY) -c "import json; r = json.load(open('reports/intents/intent_report.json'))['macro avg']; print(f\"intent macro-F1 (5-fold CV): {r['f1-score']:.3f}\")"

lint: $(VENV)/.installed $(CONSOLE_MODULES)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd console && npm run --silent typecheck

clean:
	rm -rf $(VENV) $(RASA_VENV) models var reports console/node_modules console/dist
