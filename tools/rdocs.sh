#!/usr/bin/env bash
# `make rdocs`: R/params.R from the Python tables (tools/gen_r_docs.py), then
# man/ and NAMESPACE from the roxygen comments (roxygen2, from Debian).
# --check: change nothing; fail, naming what is stale, if either is not what
# this would write (roxygen runs on a copy).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-$PWD/.venv/bin/python}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}" KERAS_BACKEND="${KERAS_BACKEND:-jax}"

roxygenise() {
  Rscript --vanilla -e 'suppressMessages(roxygen2::roxygenise(commandArgs(TRUE)[[1]], load_code = "source"))' "$1" >/dev/null
}

if [ "${1:-}" != --check ]; then
  "$PY" tools/gen_r_docs.py
  roxygenise .
  exit 0
fi

"$PY" tools/gen_r_docs.py --check
copy=$(mktemp -d "${TMPDIR:-/tmp}/kerasoptim-rdocs.XXXXXX")
trap 'rm -rf "$copy"' EXIT
cp -r DESCRIPTION NAMESPACE R man "$copy"
roxygenise "$copy"
stale=$(diff -rq man "$copy/man"; diff -q NAMESPACE "$copy/NAMESPACE") || true
if [ -n "$stale" ]; then
  echo "$stale" >&2
  echo "man/ or NAMESPACE is stale: run make rdocs" >&2
  exit 1
fi
