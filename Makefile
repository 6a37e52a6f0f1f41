# The two commands: `make run` serves Homeward, `make test` lints and runs the whole suite.
# Both set up everything on a fresh machine that has Python 3.11 or newer.
#
# They install the lock, not the newest releases: requirements/dev.txt (runtime and dev extras;
# requirements/prod.txt is the runtime alone) pins every package with the hashes of the files
# PyPI serves. To add a dependency, add it to pyproject.toml, run `make lock` (it pins what is
# new and moves nothing else) and commit pyproject.toml and requirements/ together;
# tests/test_lock.py fails while they disagree. `make upgrade` moves every pin to the newest
# release on purpose; commit the result once `make test` passes.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQS := requirements
LOCK := $(REQS)/prod.txt $(REQS)/dev.txt
export HOMEWARD_HOST ?= 127.0.0.1
export HOMEWARD_PORT ?= 8000

.PHONY: install run test test-slow lint format clean i18n lock upgrade

install: $(STAMP)

# Hash-checking mode installs exactly the lock: pip refuses any file whose hash is not in it, so
# the extra indexes and find-links of this machine's pip configuration (`pip config list`) cannot
# slip in another build. Its constraints file is set aside with PIP_CONSTRAINT=/dev/null (an empty
# value would not override it): the lock already fixes every version, so a constraint could only
# make the install fail. Then Homeward itself, built by the setuptools the lock pins.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Homeward needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	PIP_CONSTRAINT=/dev/null $(BIN)/python -m pip install --quiet --require-hashes -r $(REQS)/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The lock is written by pip-compile (pip-tools, itself pinned in requirements/tools.txt and
# installed by these targets alone). It asks PyPI and nothing else: without this machine's pip
# configuration (local indexes, find-links, constraints), no hash of a local build enters the
# lock. prod.txt first; dev.txt and tools.txt keep the versions of the file before them.
TOOLS := $(VENV)/.lock-tools
PIP_COMPILE := env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT \
	PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet \
	--generate-hashes --allow-unsafe --strip-extras --index-url https://pypi.org/simple \
	--no-emit-index-url --no-emit-find-links
UPGRADE = $(if $(filter upgrade,$@),--upgrade)

$(TOOLS): $(REQS)/tools.txt | $(STAMP)
	PIP_CONSTRAINT=/dev/null $(BIN)/python -m pip install --quiet --require-hashes -r $(REQS)/tools.txt
	touch $(TOOLS)

lock upgrade: $(TOOLS)
	$(PIP_COMPILE) $(UPGRADE) -o $(REQS)/prod.txt pyproject.toml
	$(PIP_COMPILE) $(UPGRADE) --extra dev --build-deps-for editable \
		-c $(REQS)/prod.txt -o $(REQS)/dev.txt pyproject.toml
	$(PIP_COMPILE) $(UPGRADE) -o $(REQS)/tools.txt $(REQS)/tools.in

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
# The suite runs in parallel (pytest-xdist): one worker per core, at most 8 (each has its own
# temporary folder, SQLite template, PostgreSQL schema and Chromium). `.venv/bin/pytest` alone
# runs serially, as --pdb needs; so does `make test PYTEST_WORKERS=0`.
PYTEST_WORKERS ?= auto
test: lint
	$(BIN)/homeward i18n check
	scripts/system-packages
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxprocesses=8

# Long fault and load runs (pytest marker `slow`; `make test` runs their short versions), one
# at a time, with the figures they print.
test-slow: install
	$(BIN)/pytest -m slow -p no:xdist -s

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
