# Tongban Kiosk (通办自助终端): developer entry points.
# On a fresh Debian 12 clone `make test` installs what it needs (apt packages from
# deploy/debian-packages.txt, then .venv with the project) and runs the whole suite.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV         ?= $(CURDIR)/.venv
PY           := $(VENV)/bin/python
DEPS_GROUPS  ?= runtime test
PYTEST_FLAGS ?= --strict-markers --durations=5
PYTEST_ARGS  ?=

export VENV

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

.PHONY: help deps venv test demo lint fuzz clean distclean

help:
	@echo "make deps       install missing Debian packages (deploy/debian-packages.txt: $(DEPS_GROUPS))"
	@echo "make venv       create/update .venv (Python 3.11, pip install -e '.[test]')"
	@echo "make test       deps + venv, then pytest  (extra arguments: PYTEST_ARGS='-k idcard -x')"
	@echo "make demo       deps + venv, then deploy/demo.sh (kiosk window + simulated ID card reader)"
	@echo "make lint       ruff + mypy"
	@echo "make fuzz       each fuzz target for FUZZ_SECONDS (60) s; corpus in var/fuzz (FUZZ_TARGETS='id_text ...')"
	@echo "make clean      remove caches, test artifacts, var/demo   (distclean: also .venv)"

deps:
	@deploy/install-deps.sh $(DEPS_GROUPS)

venv: deps
	@deploy/venv.sh

test: deps venv
	$(PY) -m pytest $(PYTEST_FLAGS) $(PYTEST_ARGS)

demo: deps venv
	deploy/demo.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

fuzz: venv
	$(PY) -m tests.fuzz.run --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache tests/artifacts var/demo build ./*.egg-info
	find . -path ./.venv -prune -o -path ./.git -prune -o -type d -name __pycache__ -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV)
