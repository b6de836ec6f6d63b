# lessonkit: every command bootstraps the virtual environment in .venv first (quick when it exists).
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help env export site lessons test lab bench readme clean-nbs

help:
	@echo "make site   - set up .venv, export the library, execute every lesson, build the site"
	@echo "make test   - set up .venv, then run every check (clean notebooks, sync, lessons, pytest)"
	@echo "make lab    - open the lessons in JupyterLab"
	@echo "make bench  - run the benchmarks (benchmarks/results.json)"
	@echo "make readme - regenerate README.md from nbs/index.ipynb"

# The environment: rebuilt only when the files that define it change.
$(STAMP): settings.ini setup.py constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

env: $(STAMP)

export: env
	$(BIN)/nbdev_export

lessons: export
	$(BIN)/python tools/run_lessons.py

site: lessons

test: env
	$(BIN)/python tools/check.py

lab: export
	@test -x $(BIN)/jupyter-lab || $(BIN)/python -m pip install -q -c constraints.txt jupyterlab
	$(BIN)/jupyter-lab nbs/

bench: export
	$(BIN)/python benchmarks/run.py

readme: env
	$(BIN)/python tools/make_readme.py

clean-nbs: env
	$(BIN)/nbdev_clean
