# cxstats — two entry points:
#   make report   execute every notebook and render reports/ (HTML + PDF)
#   make test     run the test suite (executes every notebook, renders one report)
#   make docs     build the API documentation into site/ (mkdocs build --strict)
# Both create .venv with Python 3.11+ and install what they need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cxstats-installed

.PHONY: report test lab bench quarto docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cxstats needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,notebooks]"
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/python -m cxstats.report notebooks --output reports --strict

test: $(STAMP)
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run.py

quarto: $(STAMP)
	cp notebooks/[0-9]*.ipynb reports/
	cd reports && QUARTO_PYTHON=$(abspath $(BIN)/python) quarto render

docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	$(BIN)/python -m mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) build dist .pytest_cache site
