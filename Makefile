# Koblingsboks: `make run` serves the app with demo data, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
CATALOGUES := $(wildcard crm/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
SCREENSHOTS := $(CURDIR)/test-artifacts/screenshots

.PHONY: run test setup-test audit lint translations extract-messages clean

run: $(VENV)/.installed $(COMPILED)
	$(FLASK) db upgrade
	$(FLASK) crm seed-reference
	$(FLASK) crm ensure-admin
	$(FLASK) crm seed-demo --if-empty
	@echo "Serving Koblingsboks on http://127.0.0.1:5000 (Ctrl+C stops it)"
	$(FLASK) run --host 127.0.0.1 --port 5000

setup-test: $(VENV)/.installed-test $(COMPILED)

# SKIP_AUDIT=1 leaves out `audit` (CI's second pass: the code is the same as in the first).
test: setup-test $(if $(SKIP_AUDIT),,audit)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SCREENSHOT_DIR=$(SCREENSHOTS) $(BIN)/pytest
	@echo "Screenshots of the browser journeys: $(SCREENSHOTS)"

# bandit (settings in pyproject.toml; each exemption is a `# nosec` with its reason beside it)
# and pip-audit of the installed packages. pip-audit needs its vulnerability database (PyPI's
# API): out of reach, it is skipped with a message; a known vulnerability fails the target.
audit: setup-test
	$(BIN)/bandit -c pyproject.toml -r crm config.py wsgi.py -q
	@out="$$($(BIN)/pip-audit --skip-editable --progress-spinner off 2>&1)"; status=$$?; \
	if [ $$status -ne 0 ] && printf '%s' "$$out" | grep -q 'known vulnerabilit'; then \
		printf '%s\n' "$$out"; exit 1; \
	elif [ $$status -ne 0 ] || printf '%s' "$$out" | grep -q 'Dependency not found on PyPI'; then \
		echo "pip-audit skipped: PyPI's vulnerability API is out of reach or does not know the installed versions ($$(printf '%s' "$$out" | grep -c 'Dependency not found on PyPI') packages could not be looked up; a package index mirror without PyPI's JSON API does this)."; \
	else echo "pip-audit: no known vulnerabilities."; fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Koblingsboks needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.python-ok pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.python-ok pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# Catalogues are compiled by make, never committed.
%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After adding or changing UI text: extract, update the catalogues, then translate the new entries.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs '.* __pycache__ node_modules' -k _l -k lazy_gettext --no-location --sort-output -o crm/translations/messages.pot .
	$(BIN)/pybabel update -i crm/translations/messages.pot -d crm/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) test-artifacts
