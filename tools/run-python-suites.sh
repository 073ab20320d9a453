#!/usr/bin/env bash
# The Python suites, one pytest process per Keras backend.
# Usage: tools/run-python-suites.sh [tensorflow jax torch]
set -u
cd "$(dirname "$0")/.."
source tools/suite-lib.sh
status=0
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(tensorflow jax torch)
for backend in "${backends[@]}"; do
  KERAS_BACKEND=$backend run_pytest "python[$backend]" tests/python
  [ "$SUITE_RC" -eq 0 ] || status=1
done
exit $status
