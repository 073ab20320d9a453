#!/usr/bin/env bash
# `make docs`: the pkgdown site into docs/ (home page from pkgdown/index.md,
# a reference page per help topic with its examples run, the articles in
# vignettes/ run at build time, among them the Python API page, made from
# the docstrings by tools/pyapi.py with pdoc's reader). pdoc's own page is
# built too, into a temporary folder, only to judge the docstrings by pdoc's
# warnings. Quiet on success. Fails, showing the
# log, on an error or warning in an article or example, any pkgdown
# warning, or any warning of pdoc's own: each tool is judged by its own
# report (exit status, R conditions, Python warnings), never by words in its
# log. Assumes `make setup` (the venv and the package in R_LIBS_USER).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
PY="${PY:-$root/.venv/bin/python}"
export RETICULATE_PYTHON="${RETICULATE_PYTHON:-$PY}"
export KERASOPTIM_REQUIRE_PYTHON=true KERASOPTIM_DOCS_STRICT=true
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"

# The site shows keras3 users' code run with keras3 where `make setup`
# installed it (.Rlib-keras3, with a current reticulate, first on the library
# path: help-page examples and articles run their keras3 chunks, and keras3
# must then load). Without it (no ../shared/r-src and no CRAN at set-up) the
# site is built from R_LIBS_USER (.Rlib: Debian's reticulate 1.28): the
# keras3 chunks (eval = has_keras3) are shown under a note, not run, and the
# "Without keras3" chunks run, as everywhere.
k3lib=$root/.Rlib-keras3
if [ -d "$k3lib/keras3" ] && [ -d "$k3lib/reticulate" ]; then
  export R_LIBS="$k3lib${R_LIBS:+:$R_LIBS}" KERASOPTIM_WITH_KERAS3=true
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() { cat "$log"; echo "docs: $1" >&2; exit 1; }

rm -rf docs
Rscript --vanilla tools/build-site.R >"$log" 2>&1 || fail "pkgdown::build_site() FAILED"

# Judged by pdoc's own warnings (tools/run_pdoc.py), not by what libraries
# print to stderr on import (TensorFlow's start-up lines vary by CPU).
pdoc_out=$(mktemp -d)
trap 'rm -rf "$log" "$pdoc_out"' EXIT
"$PY" tools/run_pdoc.py "$pdoc_out" kerasoptim tools/pdoc \
  >"$log" 2>&1 || fail "pdoc failed or warned"
