#!/usr/bin/env bash
# `make test`: the Python suites on all three backends (and on torch under
# Debian's own Python), the testthat suite plus R CMD check, the
# cross-language suite, then the docs site (built and checked), the install routes
# and the keras3 suite (keras3 and a current reticulate); one summary line per suite
# at the end, and a total. Fails if any suite fails.
set -u
cd "$(dirname "$0")/.."
logdir=$(mktemp -d)
# Nothing of this machine's set-up decides a verdict: the suites run with a
# clean $HOME (no ~/.keras/keras.json, ~/.virtualenvs, ~/.Rprofile or
# ~/.config; pip keeps its cache), and every Python process they start
# first prints the start-up line TensorFlow prints on some CPUs only
# (tests/chatter), so a check that reads words in a library's output fails
# here, not on a user's machine.
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pip}"
export HOME="$logdir/home"
mkdir -p "$HOME"
unset XDG_CONFIG_HOME XDG_CACHE_HOME XDG_DATA_HOME KERAS_HOME \
  R_PROFILE_USER R_ENVIRON_USER WORKON_HOME
export PYTHONPATH="$PWD/tests/chatter${PYTHONPATH:+:$PYTHONPATH}"
status=0
suites="python debian r cross docs install keras3"
for suite in $suites; do
  case $suite in
    python) script=tools/run-python-suites.sh ;;
    debian) script=tools/run-debian-python-suite.sh ;;
    install) script=tools/run-install-suite.sh ;;
    r)      script=tools/run-r-suites.sh ;;
    cross)  script=tools/run-cross-suite.sh ;;
    docs)   script=tools/run-docs-suite.sh ;;
    keras3) script=tools/run-keras3-suite.sh ;;
  esac
  echo "== $suite suites"
  bash "$script" 2>&1 | tee "$logdir/$suite.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
echo
echo "== summary"
summary=$(for suite in $suites; do
  grep -hE '^(python|python-debian|R|cross|docs|install|keras3)(\[[a-z]+\])?: ' "$logdir/$suite.log"; done)
echo "$summary"
total() { echo "$summary" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+' |
  awk '{ s += $1 } END { print s + 0 }'; }
passed=$(total passed) failed=$(total failed)
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1  # a suite broke
rm -rf "$logdir"
echo "total: $passed passed, $failed failed"
exit $status
