#!/usr/bin/env bash
# The Python suite on the torch backend under Debian's own Python (3.11.2,
# /usr/bin/python3), from .venv-debian (make test-debian sets it up), with
# the package imported from python/. One summary line.
set -u
cd "$(dirname "$0")/.."
PY=$(pwd)/.venv-debian/bin/python
source tools/suite-lib.sh
unset LD_LIBRARY_PATH  # the Makefile's points at the .venv's libpython
export PYTHONPATH=$(pwd)/python${PYTHONPATH:+:$PYTHONPATH}
KERAS_BACKEND=torch run_pytest "python-debian[torch]" tests/python
exit "$SUITE_RC"
