# Two commands (see README): `make run` starts the app, `make test` runs every test
# (`make lint` checks the code, `make bench` measures speed).
# Each creates the virtual environment first when it is missing or out of date.
PYTHON ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
# The browser test drives Debian's Chromium (never `playwright install`, which cannot download here).
CHROMIUM := $(shell command -v chromium || command -v chromium-browser)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint setup browser bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python 3.12+ needed, found " + sys.version' \
		|| { echo "Python 3.12 is needed (pyenv reads .python-version)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

browser:
ifeq ($(CHROMIUM),)
	@echo "installing Debian's chromium for the browser test"
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
endif

# The app through its launcher (forecast/app/serve.py): `streamlit run app.py` plus a start-up step that
# loads what the first page needs (never sampling) before the server answers.
run: $(STAMP)
	$(BIN)/python -m forecast.app.serve --address 127.0.0.1 --port $(PORT)

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The linter's rules (pyproject.toml [tool.ruff]): imports sorted and absolute, docstrings on public
# functions, numpy rules. CI runs it before the tests.
lint: $(STAMP)
	$(BIN)/ruff check forecast tests bench app.py

bench: $(STAMP) browser
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .cache .pytest_cache
