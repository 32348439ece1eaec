# Build, test and run the book. On a fresh clone:  make book   then   make test
# Targets: install, vendor, book, test, lab, clean (see `make help`).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

VENV     := .venv
PY       := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# Idle OpenMP threads sleep instead of spinning: with torch's threads on a busy 2-core machine,
# spinning made a 15 s training cell take 10 minutes.
export OMP_WAIT_POLICY := PASSIVE
# Tools from the venv come first (jupyter-book, the python3 kernel, pytest).
export PATH := $(abspath $(VENV))/bin:$(PATH)

HTML      := _build/html
HTML_DONE := _build/.html-built
VENDOR    := book/_static/jupyter-widgets
VENDORED  := $(VENDOR)/.vendored
HTML_MANAGER_DIST := node_modules/@jupyter-widgets/html-manager/dist
MATHJAX   := book/_static/mathjax
CHROMIUM  := /usr/bin/chromium
SUDO      := $(if $(filter 0,$(shell id -u)),,sudo)

# Everything the site is built from: a change to any of these rebuilds the whole site.
SOURCES := _config.yml _toc.yml \
	$(shell find notebooks book fpnlab/src -type f \
		-not -path '*/.ipynb_checkpoints/*' -not -path '*/__pycache__/*' \
		-not -path '$(VENDOR)/*' -not -path '$(MATHJAX)/*' -not -path '*.egg-info/*' -not -name '*.pyc' 2>/dev/null)

.PHONY: help install vendor book test check lab clean

help:
	@echo "make book     build the site into $(HTML) (executes every notebook)"
	@echo "make test     build the site if stale, then pytest tests/ + nbval over notebooks/"
	@echo "make check    the library's tests and docstring examples only (no site, no notebooks)"
	@echo "make lab      JupyterLab on notebooks/ (live widgets)"
	@echo "make install  create $(VENV) and install requirements.txt + fpnlab (editable)"
	@echo "make vendor   copy widget JS and MathJax from npm into $(VENDOR), $(MATHJAX)"
	@echo "make clean    remove build outputs (keeps $(VENV))"

install: $(INSTALLED)

$(INSTALLED): requirements.txt fpnlab/pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -r requirements.txt
	$(PY) -m pip install -e fpnlab
	touch $@

# JavaScript the site serves itself (never a CDN), pinned in package-lock.json:
# - widgets: require.js, html-manager's embed-amd.js (bundles @jupyter-widgets/base, controls,
#   output) and the fonts embed-amd.js loads at runtime (webpack assets `<publicPath>+"<file>"`);
# - MathJax 3: the combined tex-mml-chtml.js plus what it loads on demand (TeX extensions,
#   CHTML fonts, menu and accessibility components); the speech-rule engine (sre/) is left out.
vendor: $(VENDORED)

$(VENDORED): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	rm -rf $(VENDOR) $(MATHJAX) && mkdir -p $(VENDOR) $(MATHJAX)/input/tex $(MATHJAX)/output/chtml
	cp node_modules/requirejs/require.js $(HTML_MANAGER_DIST)/embed-amd.js $(VENDOR)/
	grep -oE '\.p\+"[^"]+"' $(HTML_MANAGER_DIST)/embed-amd.js | cut -d'"' -f2 | sort -u \
		| while read -r asset; do cp "$(HTML_MANAGER_DIST)/$$asset" $(VENDOR)/; done
	cp -r node_modules/mathjax/es5/{tex-mml-chtml.js,a11y,ui} $(MATHJAX)/
	cp -r node_modules/mathjax/es5/input/tex/extensions $(MATHJAX)/input/tex/
	cp -r node_modules/mathjax/es5/output/chtml/fonts $(MATHJAX)/output/chtml/
	touch $@

# The site. FPNLAB_WIDGETS=static makes fpnlab display the kernel-free twin of every widget.
# --all: a change to fpnlab alone must re-execute every notebook (no stale outputs).
# Two sites from the same sources (book/_ext/fpnbook.py): English (_toc.yml) in $(HTML), Turkish
# (_toc.tr.yml) in $(HTML)/tr, each with its own language, search index and theme words. The two
# builds run side by side (logs in _build/book-{en,tr}.log, printed when both are done): most of a
# build is single-threaded Python, so the two cores of a laptop finish both in little more than
# the time of one. A chapter that trains shares its runs between the two (fpnlab.ablation.run
# locks its results file).
# _build/ablation: the live runs of chapters that train (fpnlab.ablation.results_path): emptied
# here, so each build trains them once and every later execution (the other language, nbval)
# resumes from the records instead of training again.
$(HTML_DONE): $(INSTALLED) $(VENDORED) $(SOURCES) _toc.tr.yml
	rm -f $@
	rm -rf _build/ablation
	rm -rf _build/tr $(HTML)/tr
	mkdir -p _build
	FPNLAB_WIDGETS=static FPNBOOK_LANG=en jupyter-book build . --toc _toc.yml --path-output . --all -W --keep-going \
		> _build/book-en.log 2>&1 & en=$$!; \
	FPNLAB_WIDGETS=static FPNBOOK_LANG=tr jupyter-book build . --toc _toc.tr.yml --path-output _build/tr --all -W --keep-going \
		> _build/book-tr.log 2>&1 & tr=$$!; \
	ok=0; wait $$en || ok=$$?; wait $$tr || ok=$$?; \
	cat _build/book-en.log _build/book-tr.log; exit $$ok
	cp -r _build/tr/_build/html $(HTML)/tr
	touch $@

book: $(HTML_DONE)
	@echo "Site: $(abspath $(HTML))/index.html"

$(CHROMIUM):
	$(SUDO) apt-get update
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium

# pytest over tests/ (library, structure, browser test against the built site), the library's
# docstring examples (--doctest-modules), then every notebook
# in a fresh kernel of this venv (nbval-lax: fails on errors; compares outputs only of cells
# marked NBVAL_CHECK_OUTPUT). --nbval-current-env: the kernel is this venv's python.
# --rootdir=.: the repository root (fpnlab/pyproject.toml would otherwise claim it, and the
# en and tr notebooks would share node ids).
# -n 2 --dist loadscope (pytest-xdist): two workers, each taking whole modules — a notebook's
# cells stay together in one kernel, the browser tests in one worker. The browser tests mostly
# wait (a throttled link, renders), so a notebook runs beside them on a 2-core machine.
test: $(INSTALLED) $(CHROMIUM) $(HTML_DONE)
	FPNLAB_REQUIRE_SITE=1 $(PY) -m pytest -p tests.notebook_times --rootdir=. -n 2 --dist loadscope \
		tests fpnlab/src/fpnlab notebooks/en notebooks/tr --doctest-modules \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=600 --durations=0

# For development: the library alone, in a minute or two — tests/ without the structure and
# browser tests, plus fpnlab's docstring examples. No site build, no notebooks.
check: $(INSTALLED)
	$(PY) -m pytest -p no:cacheprovider --rootdir=. tests fpnlab/src/fpnlab --doctest-modules \
		--ignore=tests/test_site.py --ignore=tests/test_structure.py -q --durations=5

lab: $(INSTALLED)
	jupyter lab notebooks

clean:
	rm -rf _build $(VENDOR) $(MATHJAX) node_modules .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
