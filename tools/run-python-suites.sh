#!/usr/bin/env bash
# The Python suites, one pytest process per Keras backend.
# Usage: tools/run-python-suites.sh [tensorflow jax torch]
set -u
cd "$(dirname "$0")/.."
source tools/suite-lib.sh
run_per_backend python tests/python "$@"
