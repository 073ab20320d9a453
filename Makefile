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
# The Debian dependencies of keras3 and a current reticulate, whose sources
# are in ../shared/r-src (see its README.md; CRAN is not reachable here).
KERAS3_APT_PKGS := $(addprefix r-cran-,generics zeallot whisker tidyselect \
            rstudioapi backports rcpp png jsonlite here rappdirs fastmap withr \
            r6 cli glue magrittr rlang yaml rcpptoml matrix processx lifecycle \
            base64enc)
APT_PKGS := r-base-core r-base-dev r-cran-reticulate r-cran-testthat \
            r-cran-knitr r-cran-rmarkdown r-cran-roxygen2 python3-venv qpdf \
            r-cran-pkgdown chromium \
            $(KERAS3_APT_PKGS)

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

.PHONY: FORCE help setup demo test test-python test-r test-cross test-debian test-install test-docs test-keras3 docs rdocs check-r bench clean

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

# --- keras3 and a current reticulate, in an R library of their own -----------
# For the keras3 suite (tools/run-keras3-suite.sh): the source tarballs in
# ../shared/r-src (tools/r-src-dir.sh finds them), installed in the order of its README.md, or, without them,
# the same from CRAN where CRAN is reachable (their tarballs kept in
# .Rlib-keras3/.src, for keras3's own tests); then kerasoptim itself. Debian's
# reticulate 1.28 in the system library (and .Rlib) stays as it is for the
# other suites. Where neither source is there nothing is installed (the
# keras3 suite says it did not run), said once: new tarballs redo the step.
K3_SRC      := $(shell bash tools/r-src-dir.sh)
K3_LIB      := $(CURDIR)/.Rlib-keras3
K3_PKGS     := dotty config tfautograph tfruns reticulate tensorflow keras3
K3_TARBALLS := $(foreach p,$(K3_PKGS),$(lastword $(sort $(wildcard $(K3_SRC)/$(p)_*.tar.gz))))
K3_CRAN     := https://cloud.r-project.org

# (Rewritten also when the library has gone, so that it is installed again.)
$(STAMPS)/keras3-src: FORCE | $(STAMPS)
	@if [ -f $(STAMPS)/keras3-lib ] && [ ! -d $(K3_LIB)/keras3 ]; then \
	  echo "$(K3_TARBALLS)" >$@; \
	else \
	  echo "$(K3_TARBALLS)" | cmp -s - $@ || echo "$(K3_TARBALLS)" >$@; \
	fi

$(STAMPS)/keras3-lib: $(STAMPS)/keras3-src | $(STAMPS) $(STAMPS)/apt
	@rm -rf $(K3_LIB) && mkdir -p $(K3_LIB)
	@if [ $(words $(K3_TARBALLS)) -eq $(words $(K3_PKGS)) ]; then \
	  echo "installing keras3 and reticulate from $(K3_SRC) into $(notdir $(K3_LIB)) ..."; \
	  for tarball in $(K3_TARBALLS); do \
	    R_LIBS=$(K3_LIB) $(QUIETLY) $(STAMPS)/keras3-lib.log \
	      R CMD INSTALL --no-multiarch --library=$(K3_LIB) $$tarball || exit 1; \
	  done; \
	elif Rscript --vanilla -e 'options(timeout = 10); a <- tryCatch(available.packages(repos = "$(K3_CRAN)"), error = function(e) NULL, warning = function(w) NULL); quit(status = if ("keras3" %in% rownames(a)) 0 else 3)' >/dev/null 2>&1; then \
	  echo "installing keras3 and reticulate from CRAN into $(notdir $(K3_LIB)) ..."; \
	  R_LIBS=$(K3_LIB) $(QUIETLY) $(STAMPS)/keras3-lib.log Rscript --vanilla -e \
	    'lib <- "$(K3_LIB)"; src <- file.path(lib, ".src"); dir.create(src); install.packages(c("reticulate", "keras3"), lib = lib, repos = "$(K3_CRAN)", type = "source", destdir = src); stopifnot(c("reticulate", "tensorflow", "keras3") %in% rownames(installed.packages(lib.loc = lib)))' || exit 1; \
	else \
	  echo "keras3 not installed: no ../shared/r-src tarballs and CRAN not reachable (the keras3 suite will not run; rm $(STAMPS)/keras3-lib to try again)"; \
	fi; \
	touch $@

$(STAMPS)/rpkg-keras3: $(STAMPS)/keras3-lib $(STAMPS)/pkg $(R_SRC) $(PY_SRC) | $(STAMPS) $(STAMPS)/apt
	@if [ -d $(K3_LIB)/keras3 ]; then \
	  R_LIBS=$(K3_LIB) $(QUIETLY) $(STAMPS)/rinstall-keras3.log \
	    R CMD INSTALL --no-multiarch --library=$(K3_LIB) . || exit 1; \
	  touch $@; \
	fi

# Keras and torch for Debian's Python (pins from requirements/dev.txt); the
# package itself is imported from python/ (PYTHONPATH).
$(STAMPS)/debian-venv: requirements/dev.txt | $(STAMPS) $(STAMPS)/apt
	@[ -x $(DEBIAN_VENV)/bin/python ] || env -u LD_LIBRARY_PATH $(DEBIAN_PY) -m venv $(DEBIAN_VENV)
	@echo "installing keras and torch into $(DEBIAN_VENV) (Debian's Python) ..."
	@$(QUIETLY) $(STAMPS)/debian-venv.log env -u LD_LIBRARY_PATH $(DEBIAN_VENV)/bin/python -m pip install \
	  --disable-pip-version-check -c requirements/dev.txt keras torch numpy pytest hypothesis
	@$(QUIETLY) $(STAMPS)/debian-venv-import.log env -u LD_LIBRARY_PATH KERAS_BACKEND=torch $(DEBIAN_VENV)/bin/python -c "import keras, torch, pytest"
	@touch $@

setup: $(STAMPS)/pkg $(STAMPS)/rpkg $(STAMPS)/rpkg-keras3
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

test-keras3: setup
	@bash tools/run-keras3-suite.sh

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
	rm -rf $(STAMPS) $(RLIB) $(K3_LIB) $(DEBIAN_VENV) out docs *.Rcheck kerasoptim_*.tar.gz
