# kerasoptim: `make demo` and `make test` set everything up themselves and are
# idempotent: each set-up step leaves a stamp in .stamps/ and reruns only when
# its inputs change.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON   ?= python3
VENV     := .venv
PY       := $(CURDIR)/$(VENV)/bin/python
RLIB     := $(CURDIR)/.Rlib
STAMPS   := .stamps
BACKENDS := tensorflow jax torch
APT_PKGS := r-base-core r-base-dev r-cran-reticulate r-cran-testthat \
            r-cran-knitr r-cran-rmarkdown r-cran-roxygen2 python3-venv qpdf \
            r-cran-pkgdown chromium

export RETICULATE_PYTHON := $(PY)
export R_LIBS_USER := $(RLIB)
export KERASOPTIM_REQUIRE_PYTHON := true
export TF_CPP_MIN_LOG_LEVEL := 3
# R's reticulate must load the libpython of the venv's interpreter, not a
# system libpython of the same soname (evaluated when a recipe runs).
export LD_LIBRARY_PATH = $(shell [ -x $(PY) ] && $(PY) -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") or "")')
export PYTHONDONTWRITEBYTECODE := 1
# A set-up step's output goes to a log in .stamps/, shown if the step fails:
# each step is judged by its exit status, never by words in its output.
QUIETLY := bash tools/quietly.sh

PY_SRC := pyproject.toml $(shell find python -name '*.py' 2>/dev/null)
R_SRC  := DESCRIPTION NAMESPACE $(wildcard R/*.R) $(wildcard man/*.Rd)

# Debian's own Python (3.11.2), for a smoke suite on the torch backend.
DEBIAN_PY    := /usr/bin/python3
DEBIAN_VENV  := .venv-debian

.PHONY: FORCE help setup demo test test-python test-r test-cross test-debian test-install test-docs docs rdocs check-r bench clean

help:
	@echo "make demo   - set up and train a small model from R and Python"
	@echo "make test   - set up and run every test suite"
	@echo "make bench  - optimizer step benchmarks (bench/)"
	@echo "make docs   - build the documentation site into docs/ (pkgdown, pdoc)"
	@echo "make rdocs  - regenerate R/params.R, man/ and NAMESPACE from the sources"

$(STAMPS):
	@mkdir -p $@

# --- system packages (R from Debian; CRAN is not reachable) -----------------
# The list is kept in a file so that a changed list reruns apt. Steps that
# need these packages have the apt stamp as an order-only prerequisite: apt
# runs first, and a rerun of apt does not rebuild them.
$(STAMPS)/apt-list: FORCE | $(STAMPS)
	@echo "$(APT_PKGS)" | cmp -s - $@ || echo "$(APT_PKGS)" >$@

$(STAMPS)/apt: $(STAMPS)/apt-list | $(STAMPS)
	@if ! dpkg -s $(APT_PKGS) >/dev/null 2>&1; then \
	  echo "installing R and other system packages from Debian ..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $(QUIETLY) $(STAMPS)/apt.log $$SUDO apt-get update -qq && \
	  $(QUIETLY) $(STAMPS)/apt.log $$SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(APT_PKGS) || exit 1; \
	fi
	@touch $@

# --- Python virtualenv with pinned versions ---------------------------------
# rpy2 (in requirements/dev.txt) is built against R: R first.
$(STAMPS)/venv: requirements/dev.txt | $(STAMPS) $(STAMPS)/apt
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	@echo "installing pinned Python packages into $(VENV) ..."
	@$(QUIETLY) $(STAMPS)/venv.log $(PY) -m pip install --disable-pip-version-check -r requirements/dev.txt
	@$(QUIETLY) $(STAMPS)/venv-import.log $(PY) -c "import keras, tensorflow, jax, torch, rpy2, pytest"
	@touch $@

$(STAMPS)/pkg: $(STAMPS)/venv pyproject.toml | $(STAMPS)
	@$(QUIETLY) $(STAMPS)/pkg.log $(PY) -m pip install --disable-pip-version-check --no-deps --no-build-isolation -e .
	@$(QUIETLY) $(STAMPS)/pkg-import.log $(PY) -c "import kerasoptim"
	@touch $@

# --- R package into a project-local library ---------------------------------
$(STAMPS)/rpkg: $(STAMPS)/pkg $(R_SRC) $(PY_SRC) | $(STAMPS) $(STAMPS)/apt
	@mkdir -p $(RLIB)
	@$(QUIETLY) $(STAMPS)/rinstall.log R CMD INSTALL --no-multiarch --library=$(RLIB) .
	@touch $@

# Keras and torch for Debian's Python (pins from requirements/dev.txt); the
# package itself is imported from python/ (PYTHONPATH).
$(STAMPS)/debian-venv: requirements/dev.txt | $(STAMPS) $(STAMPS)/apt
	@[ -x $(DEBIAN_VENV)/bin/python ] || env -u LD_LIBRARY_PATH $(DEBIAN_PY) -m venv $(DEBIAN_VENV)
	@echo "installing keras and torch into $(DEBIAN_VENV) (Debian's Python) ..."
	@$(QUIETLY) $(STAMPS)/debian-venv.log env -u LD_LIBRARY_PATH $(DEBIAN_VENV)/bin/python -m pip install \
	  --disable-pip-version-check -c requirements/dev.txt keras torch numpy pytest hypothesis
	@$(QUIETLY) $(STAMPS)/debian-venv-import.log env -u LD_LIBRARY_PATH KERAS_BACKEND=torch $(DEBIAN_VENV)/bin/python -c "import keras, torch, pytest"
	@touch $@

setup: $(STAMPS)/pkg $(STAMPS)/rpkg
	@:

# --- suites -----------------------------------------------------------------
test-python: $(STAMPS)/pkg
	@bash tools/run-python-suites.sh $(BACKENDS)

test-r: setup
	@bash tools/run-r-suites.sh

test-cross: setup
	@bash tools/run-cross-suite.sh

test-debian: $(STAMPS)/debian-venv
	@bash tools/run-debian-python-suite.sh

test-install: setup
	@bash tools/run-install-suite.sh

test-docs: setup
	@bash tools/run-docs-suite.sh

test: setup $(STAMPS)/debian-venv
	@bash tools/run-all-suites.sh

demo: setup
	@bash tools/run-demo.sh

# R/params.R from the Python tables, then man/ and NAMESPACE (roxygen2).
rdocs: $(STAMPS)/pkg | $(STAMPS)/apt
	@bash tools/rdocs.sh

docs: rdocs setup
	@bash tools/build-docs.sh

bench: $(STAMPS)/pkg
	@$(PY) bench/step.py
	@$(PY) bench/fit.py
	@$(PY) bench/lazy_adam.py
	@$(PY) bench/fast_paths.py

clean:
	rm -rf $(STAMPS) $(RLIB) $(DEBIAN_VENV) out docs *.Rcheck kerasoptim_*.tar.gz
