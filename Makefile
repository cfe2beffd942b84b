# Two environments on Python 3.10 (see README "Architecture"):
#   .venv       our packages (triage_model, actions, handoff) with current libraries
#   .venv-rasa  the Rasa server only (rasa 3.6.21 pins its own old libraries)
# Every target builds what it needs; `make setup` is idempotent and quick when nothing changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV       := .venv
RASA_VENV  := .venv-rasa
PY         := $(VENV)/bin/python
UV         := $(VENV)/bin/uv
RASA_PY    := $(RASA_VENV)/bin/python
TRIAGE_DIR := models/triage
TRIAGE_STAMP := $(TRIAGE_DIR)/latest/metadata.json
TRIAGE_INPUTS := $(wildcard nlu_data/triage/train/*.jsonl) $(wildcard triage_model/*.py) triage_model/userdict/shop_words.txt

.PHONY: help setup run test train evaluate bench lint clean

help:
	@echo "make setup     build both environments (idempotent)"
	@echo "make run       train what is stale and demonstrate the product"
	@echo "make test      run the whole test suite"
	@echo "make train     train the triage model if its data or code changed"
	@echo "make evaluate  evaluate the triage model on the held-out file"
	@echo "make bench     print the benchmark tables"
	@echo "make lint      ruff + mypy"

setup: $(VENV)/.installed $(RASA_VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@PY310=$$(scripts/find-python310) || exit 1; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$PY310"; $$PY310 -m venv $(VENV); fi
	@[ -x $(UV) ] || $(VENV)/bin/pip install --quiet --disable-pip-version-check uv
	$(UV) pip install --quiet --python $(PY) -e '.[dev]'
	@touch $@

$(RASA_VENV)/.installed: requirements-rasa.txt $(VENV)/.installed
	@PY310=$$(scripts/find-python310) || exit 1; \
	  if [ ! -x $(RASA_PY) ]; then echo "Creating $(RASA_VENV) with $$PY310"; $(UV) venv --quiet --python $$PY310 $(RASA_VENV); fi
	$(UV) pip install --quiet --python $(RASA_PY) -r requirements-rasa.txt
	@touch $@

$(TRIAGE_STAMP): $(TRIAGE_INPUTS) | $(VENV)/.installed
	$(PY) -m triage_model train

train: $(TRIAGE_STAMP)

evaluate: $(TRIAGE_STAMP)
	$(PY) -m triage_model evaluate

run: setup $(TRIAGE_STAMP)
	$(PY) -m triage_model demo

test: setup $(TRIAGE_STAMP)
	$(PY) -m pytest

bench: setup $(TRIAGE_STAMP)
	$(PY) bench/triage_bench.py
	$(RASA_PY) bench/diet_bench.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) $(RASA_VENV) models var reports
