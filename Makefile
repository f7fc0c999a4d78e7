# Everything runs from .venv in the checkout; it is (re)built only when the lock or
# pyproject.toml change, or when another PYTHON is asked for, so repeated runs start in
# seconds. Choose the interpreter with `make PYTHON=python3.11 ...` (3.11 or newer).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# The stamp holds the PYTHON that built .venv. It is read by make itself (no process
# started), so an up-to-date .venv costs nothing; asking for another PYTHON rebuilds it.
BUILT_WITH := $(strip $(if $(wildcard $(STAMP)),$(file <$(STAMP))))
ifneq ($(BUILT_WITH),$(strip $(PYTHON)))
$(STAMP): FORCE
endif

.DEFAULT_GOAL := help
.PHONY: help install test lint types unit e2e run playground migrate fmt bench lock clean locales FORCE

help:  ## list the targets
	@grep -E '^[A-Za-z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

# One line and a failure unless $(PYTHON) runs and says it is Python 3.11 or newer.
define check_python
	@found=$$(command -v $(PYTHON) 2>/dev/null || true); \
	choose="Choose another: make PYTHON=python3.11 $(or $(MAKECMDGOALS),install)"; \
	if [ -z "$$found" ]; then \
		echo "Python 3.11+ needed, but $(PYTHON) was not found. $$choose" >&2; exit 1; \
	fi; \
	version=$$($(PYTHON) --version 2>&1 | head -n 1); \
	if [ "$$found" != "$(PYTHON)" ]; then found="$(PYTHON) ($$found)"; fi; \
	case "$$version" in \
		"Python "[0-9]*) ;; \
		*) echo "Python 3.11+ needed, but $$found does not run as Python" \
			"(it says: $${version:-nothing}). $$choose" >&2; exit 1 ;; \
	esac; \
	if ! echo "$$version" | awk '{ split($$2, v, "."); exit !(v[1] > 3 || (v[1] == 3 && v[2] >= 11)) }'; \
	then \
		echo "Python 3.11+ needed, but $$found is $$version. $$choose" >&2; exit 1; \
	fi
endef

# A .venv made by another Python version is removed first. Whatever fails (or is
# interrupted) while building removes the half-built .venv, so the next run starts clean.
$(STAMP): requirements.lock pyproject.toml
	$(check_python)
	@if [ -e $(VENV) ]; then \
		want=$$($(PYTHON) --version 2>&1 | head -n 1); \
		have=$$(test -x $(BIN)/python && $(BIN)/python --version 2>&1 | head -n 1); \
		if [ "$$have" != "$$want" ]; then \
			echo "$(VENV) was made with $${have:-a Python that no longer runs}, not $$want: rebuilding it"; \
			rm -rf $(VENV); \
		fi; \
	fi
	@echo "Installing the locked dependencies into $(VENV) with $(PYTHON)"
	@trap 'rm -rf $(VENV); echo "Interrupted: removed the half-built $(VENV)." >&2; exit 130' INT TERM HUP; \
	{ test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); } \
	&& $(PIP) --require-hashes -r requirements.lock \
	&& $(PIP) --no-deps --no-build-isolation -e . \
	&& echo '$(strip $(PYTHON))' > $@ \
	|| { rm -rf $(VENV); echo "Installing into $(VENV) failed (see above): removed it, so the next run starts clean." >&2; exit 1; }

FORCE:

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
	$(check_python)
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
