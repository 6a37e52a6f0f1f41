# The two commands: `make run` serves Homeward, `make test` lints and runs the whole suite.
# Both set up everything on a fresh machine that has Python 3.11 or newer.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HOMEWARD_HOST ?= 127.0.0.1
export HOMEWARD_PORT ?= 8000

.PHONY: install run test lint format clean i18n

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Homeward needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Development mode turns on the browser simulator; the embedded SQLite database lives in var/.
# Without HOMEWARD_PARTNERS_FILE, a demo clinic (not real) receives the referrals; read them
# at http://127.0.0.1:8000/dev/referrals.
run: install
	mkdir -p var
	HOMEWARD_ENV=$${HOMEWARD_ENV:-development} $(BIN)/homeward db upgrade
	HOMEWARD_ENV=$${HOMEWARD_ENV:-development} \
	HOMEWARD_PARTNERS_FILE=$${HOMEWARD_PARTNERS_FILE:-$$($(BIN)/homeward partners demo)} \
	$(BIN)/homeward serve

lint: install
	$(BIN)/ruff check bot tests migrations bench
	$(BIN)/ruff format --check bot tests migrations bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Browser tests drive Debian's Chromium; flow pictures use Graphviz. Both are installed if missing.
test: lint
	$(BIN)/homeward i18n check
	scripts/system-packages
	$(BIN)/pytest

# Translations (docs/translating.md): rebuild the template from the sources named in babel.cfg,
# then merge it into every existing catalog. Add a locale with
#   $(BIN)/pybabel init -i bot/locales/messages.pot -d bot/locales -l es
# No compile step: catalogs are read from the .po files at start-up.
LOCALES := bot/locales
i18n: install
	$(BIN)/pybabel -q extract -F babel.cfg -c TRANSLATORS: --project Homeward --version 0.1.0 \
		--sort-by-file -w 99 -o $(LOCALES)/messages.pot .
	@if ls $(LOCALES)/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		echo "$(BIN)/pybabel update --ignore-obsolete -i $(LOCALES)/messages.pot -d $(LOCALES) -w 99"; \
		$(BIN)/pybabel -q update --ignore-obsolete -i $(LOCALES)/messages.pot -d $(LOCALES) -w 99; \
	else echo "No catalogs yet in $(LOCALES)."; fi

format: install
	$(BIN)/ruff check --fix bot tests migrations bench
	$(BIN)/ruff format bot tests migrations bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
