# lessonkit: every command bootstraps the virtual environment in .venv first (quick when it exists).
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help env export site browser lessons test clients lab bench readme clean-nbs

help:
	@echo "make site   - set up .venv, export the library, build the site (docs/_build/html), executing every lesson"
	@echo "make browser - check the built site in headless Chromium (installs chromium when missing)"
	@echo "make test   - set up .venv, then run every check (clean notebooks, sync, pytest, site, prose numbers, browser, notebooks)"
	@echo "make clients - use the lessons in JupyterLab and Notebook 7 in headless Chromium (Run All, every explorer)"
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

# Every notebook executed by nbdev_test, in parallel, with each one's time (for authors: make test executes each
# notebook once, the site's pages in the site build and the others with nbdev_test; see tools/check.py).
lessons: export
	$(BIN)/nbdev_test --timing

# The course website: nbs/ -> docs/_build/html, lessons executed into jupyter-cache (prints each one's time).
site: export
	$(BIN)/python -m tools.site

# The built site in headless Chromium.
browser: env
	$(BIN)/python tools/browser_check.py

test: env
	$(BIN)/python tools/check.py

# The lessons in real clients: JupyterLab and Notebook 7 in headless Chromium, Run All, then every explorer by
# keyboard and mouse (tools/client_check.py). CI runs it after `make test`.
clients: export
	$(BIN)/python tools/client_check.py

# As root too (containers, cloud notebooks), where Jupyter refuses to start without allow_root; kernels over ipc
# sockets, not TCP (nothing listens on a port, and no kernel warns that TCP is unencrypted).
lab: export
	$(BIN)/jupyter-lab --ServerApp.allow_root=True --KernelManager.transport=ipc nbs/

bench: export
	$(BIN)/python benchmarks/run.py

readme: env
	$(BIN)/python tools/make_readme.py

clean-nbs: env
	$(BIN)/nbdev_clean
