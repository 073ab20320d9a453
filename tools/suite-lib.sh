# Shared by the tools/run-*.sh scripts: run one pytest suite quietly and
# print one summary line "<label>: N passed, N failed, N skipped".
# On failure the whole log is shown. Sets SUITE_RC.

PY="${PY:-$(pwd)/.venv/bin/python}"

count() {  # count WORD LOGFILE -> number from pytest's closing line
  grep -E "^(=+ )?[0-9]+ [a-z]+.* in [0-9.]+s" "$2" | tail -n 1 |
    grep -oE "[0-9]+ $1" | grep -oE "^[0-9]+" || echo 0
}

run_pytest() {  # run_pytest LABEL ARGS... (env set by the caller)
  local label=$1; shift
  local log; log=$(mktemp)
  KERASOPTIM_NO_SKIPS=1 "$PY" -m pytest -q -p no:cacheprovider "$@" >"$log" 2>&1
  SUITE_RC=$?
  local passed failed skipped errors
  passed=$(count passed "$log"); failed=$(count failed "$log")
  skipped=$(count skipped "$log"); errors=$(count error "$log")
  failed=$((failed + errors))
  if [ "$SUITE_RC" -ne 0 ] || [ "$passed" -eq 0 ]; then
    cat "$log"; SUITE_RC=1
  fi
  rm -f "$log"
  echo "$label: $passed passed, $failed failed, $skipped skipped"
}

run_per_backend() {  # run_per_backend LABEL TESTDIR [BACKEND...]: 0 if all pass
  local label=$1 dir=$2 status=0 backend; shift 2
  local backends=("$@")
  [ ${#backends[@]} -gt 0 ] || backends=(tensorflow jax torch)
  for backend in "${backends[@]}"; do
    KERAS_BACKEND=$backend run_pytest "$label[$backend]" "$dir"
    [ "$SUITE_RC" -eq 0 ] || status=1
  done
  return $status
}
