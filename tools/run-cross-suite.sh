#!/usr/bin/env bash
# The cross-language suite (rpy2: R and Python in one process), once per
# Keras backend. Needs the .venv and the R package in .Rlib (make setup).
set -u
cd "$(dirname "$0")/.."
source tools/suite-lib.sh
status=0
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(tensorflow jax torch)
for backend in "${backends[@]}"; do
  KERAS_BACKEND=$backend run_pytest "cross[$backend]" tests/cross
  [ "$SUITE_RC" -eq 0 ] || status=1
done
exit $status
