#!/usr/bin/env bash
# The cross-language suite (rpy2: R and Python in one process), once per
# Keras backend. Needs the .venv and the R package in .Rlib (make setup).
# Usage: tools/run-cross-suite.sh [tensorflow jax torch]
set -u
cd "$(dirname "$0")/.."
source tools/suite-lib.sh
run_per_backend cross tests/cross "$@"
