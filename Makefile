# Everything runs from .venv in the checkout; it is (re)built only when the lock or
# pyproject.toml change, so repeated runs start in seconds.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install test lint types unit e2e run playground migrate fmt bench lock clean locales

help:  ## list the targets
	@grep -E '^[A-Za-z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

install: $(STAMP)  ## create .venv and install the locked dependencies

test: lint types  ## lint, type-check and run every test
	$(BIN)/pytest -q

lint: $(STAMP)  ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)  ## mypy --strict
	$(BIN)/mypy

unit: $(STAMP)  ## only the fast tests without the bot
	$(BIN)/pytest -q tests/unit

e2e: $(STAMP)  ## only the end-to-end tests
	$(BIN)/pytest -q tests/e2e

fmt: $(STAMP)  ## format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

run: $(STAMP)  ## run the bot (needs BOT_TOKEN, see .env.example)
	$(BIN)/careerbot run

playground: $(STAMP)  ## chat with the bot in this terminal, no token needed
	$(BIN)/careerbot playground

migrate: $(STAMP)  ## apply database migrations
	$(BIN)/careerbot migrate

bench: $(STAMP)  ## run the benchmarks in bench/
	$(BIN)/python -m bench

lock:  ## re-resolve requirements.lock from pyproject.toml
	$(PYTHON) -m venv /tmp/careerbot-lock && /tmp/careerbot-lock/bin/pip install --quiet pip-tools
	/tmp/careerbot-lock/bin/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras -o requirements.lock pyproject.toml

clean:  ## remove the environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

locales: $(STAMP)  ## re-extract bot texts into bot/locales/*/messages.po (then translate)
	$(BIN)/pybabel -q extract --no-location --sort-output -k __ -k lazy_gettext \
		--project careerbot -o bot/locales/messages.pot bot handlers
	for l in ru en; do \
		if [ -f bot/locales/$$l/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel -q update --no-fuzzy-matching -i bot/locales/messages.pot -d bot/locales -l $$l; \
		else \
			$(BIN)/pybabel -q init -i bot/locales/messages.pot -d bot/locales -l $$l; \
		fi; \
	done
