#!/usr/bin/env bash
# The install-routes suite: the R package as an R user gets it, in new R
# sessions that know nothing of this repository's .venv.
#  1. set-up order: `make -n` in a clean copy of the tracked files installs R
#     (apt) before anything that needs R;
#  2. R CMD build a clean copy (as install_github() would) and install the
#     tarball into a temporary library; the Python sources travel inside;
#  3. WORKON_HOME with only keras3's "r-keras" (Keras + TensorFlow, no
#     kerasoptim), RETICULATE_PYTHON unset: train with optimizer_adam_w() and
#     save; a second session loads the model before any optimizer_*() call
#     and continues exactly as the uninterrupted run;
#  4. install_kerasoptim() end to end into an empty WORKON_HOME, then a new
#     session trains; the same with backend = "jax" and no KERAS_BACKEND;
#  5. R CMD check --as-cran of the tarball without the Python side (a Python
#     without Keras): 0 errors, 0 warnings.
# pip is used as this machine configures it (local index, pip's cache).
# Quiet on success: one summary line "install: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/kerasoptim-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/suite.log
passed=0 failed=0 times=() sizes=()

check() {  # check NAME COMMAND...: one pass or fail
  local name=$1; shift
  if "$@" >>"$log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $name" >>"$log"
    failures+=("$name")
  fi
}
failures=()
timed() {  # timed LABEL COMMAND...: run, remember the seconds it took
  local label=$1 start=$SECONDS; shift
  "$@"; local rc=$?
  times+=("$label $((SECONDS - start)) s")
  return $rc
}

# A new R session as an R user has it: no RETICULATE_PYTHON, KERAS_BACKEND
# or LD_LIBRARY_PATH from the Makefile, the tarball's library, the given
# WORKON_HOME; run from an empty folder.
user_r() {  # user_r WORKON_HOME RSCRIPT_ARGS...
  local workon=$1; shift
  (cd "$work/cwd" && env -u RETICULATE_PYTHON -u RETICULATE_PYTHON_ENV \
    -u KERAS_BACKEND -u LD_LIBRARY_PATH -u KERASOPTIM_REQUIRE_PYTHON \
    -u PYTHONPATH R_LIBS="$work/lib" R_LIBS_USER="$work/lib" \
    WORKON_HOME="$workon" KERAS_HOME="$work/keras-home" \
    Rscript --vanilla "$@")
}
mkdir -p "$work/cwd" "$work/lib"

# --- 1. set-up order ---------------------------------------------------------
# (tools/build-tarball.sh leaves a clean copy of the tracked files in
# $work/clean, as a fresh clone has them.)
start=$SECONDS
tarball=$(bash tools/build-tarball.sh "$work" 2>>"$log") || tarball=
times+=("build $((SECONDS - start)) s")
setup_order_ok() {  # the first apt-get line precedes venv, pip and R CMD
  local target=$1 plan first_apt line
  plan=$(cd "$work/clean" && make -n "$target" 2>&1) || return 1
  first_apt=$(echo "$plan" | grep -n 'apt-get install' | head -n 1 | cut -d: -f1)
  [ -n "$first_apt" ] || { echo "no apt-get step in make -n $target"; return 1; }
  for step in ' -m venv ' 'pip install' 'R CMD INSTALL' 'Rscript'; do
    line=$(echo "$plan" | grep -nF -- "$step" | head -n 1 | cut -d: -f1)
    if [ -n "$line" ] && [ "$line" -lt "$first_apt" ]; then
      echo "make -n $target: '$step' (line $line) comes before apt-get (line $first_apt)"
      return 1
    fi
  done
}
for target in setup demo test; do
  check "make -n $target installs R first" setup_order_ok "$target"
done

# --- 2. build and install the tarball -----------------------------------------
check "R CMD build" test -n "$tarball"
tarball=${tarball:-$work/missing.tar.gz}
check "the tarball carries the Python sources" \
  bash -c "tar tzf '$tarball' | grep -qx 'kerasoptim/inst/python/kerasoptim/factories.py'"
check "the tarball carries the vignette index" \
  bash -c "tar tzf '$tarball' | grep -qx 'kerasoptim/build/vignette.rds'"
check "R CMD INSTALL of the tarball" \
  bash -c "R CMD INSTALL --no-multiarch --library='$work/lib' '$tarball' >'$work/install.log' 2>&1"

# --- 3. beside keras3: WORKON_HOME holding only r-keras -----------------------
rkeras=$work/workon-rkeras
make_rkeras() {
  python3 -m venv "$rkeras/r-keras" &&
    env -u LD_LIBRARY_PATH "$rkeras/r-keras/bin/python" -m pip install -q \
      --disable-pip-version-check -c requirements/dev.txt keras tensorflow-cpu
}
check "an r-keras environment (Keras, TensorFlow)" timed r-keras make_rkeras
check "r-keras holds no kerasoptim" \
  bash -c "cd '$work/cwd' && ! '$rkeras/r-keras/bin/python' -c 'import kerasoptim' 2>/dev/null"
# pip started from R: R's LD_LIBRARY_PATH would make a pyenv Python load
# Debian's libpython (then ssl fails to load); install_kerasoptim() drops it.
ssl_from_r() {
  user_r "$rkeras" -e "python <- '$rkeras/r-keras/bin/python'
    plain <- suppressWarnings(system2(python, c('-c', shQuote('import ssl')), stdout = FALSE, stderr = FALSE))
    cat('plain system2:', plain, '\n')
    kerasoptim:::run_quietly(python, c('-c', 'import ssl'), 'import ssl')
    cat('ssl loads\n')"
}
check "Python's ssl loads in pip's environment from R" ssl_from_r
mkdir -p "$work/resume"
check "session 1 trains with optimizer_adam_w() in r-keras and saves" \
  timed session-1 user_r "$rkeras" "$root/tests/install/session.R" save "$work/resume"
check "session 1 used r-keras" grep -q "python: $rkeras/r-keras/bin/python" "$log"
check "session 2 loads the model before any optimizer_*() call and trains on" \
  timed session-2 user_r "$rkeras" "$root/tests/install/session.R" resume "$work/resume"
check "the loaded optimizer is kerasoptim's AdamW" \
  grep -q "optimizer: kerasoptim.adamw.AdamW" "$log"
check "resumed training equals the uninterrupted run" \
  cmp "$work/resume/uninterrupted.txt" "$work/resume/resumed.txt"

# --- 4. install_kerasoptim() -----------------------------------------------------
install_and_train() {  # install_and_train BACKEND
  local backend=$1 workon=$work/workon-$1 out=$work/install-$1.log
  user_r "$workon" -e "kerasoptim::install_kerasoptim(backend = '$backend')" >"$out" 2>&1 ||
    { cat "$out"; return 1; }
  cat "$out"
  sizes+=("$backend $(grep -oE 'Done in [^:]+' "$out" | sed 's/Done in //'),\
 $(grep -oE '\([0-9.]+ [GM]B\)' "$out" | tr -d '()');")
  # Plain words, no pip output: a handful of lines.
  [ "$(wc -l <"$out")" -le 6 ] || { echo "install_kerasoptim() printed too much"; return 1; }
  user_r "$workon" "$root/tests/install/session.R" train "$work" >"$out.train" 2>&1 ||
    { cat "$out.train"; return 1; }
  cat "$out.train"
  grep -q "python: $workon/r-kerasoptim/bin/python" "$out.train" &&
    grep -q "backend: $backend" "$out.train" && grep -q "loss fell: TRUE" "$out.train"
}
for backend in tensorflow jax; do
  check "install_kerasoptim(backend = \"$backend\"), then a new session trains" \
    timed "install_kerasoptim-$backend" install_and_train "$backend"
  rm -rf "$work/workon-$backend"
done

# --- 5. R CMD check --as-cran without the Python side --------------------------
# Without keras3 either (Suggests): see tools/r-check-env.sh.
source tools/r-check-env.sh
check_without_python() {
  mkdir -p "$work/check" "$work/workon-empty"
  local check_env
  r_check_env "$work"
  (cd "$work/check" && env -u KERASOPTIM_REQUIRE_PYTHON -u LD_LIBRARY_PATH \
    "${check_env[@]}" \
    RETICULATE_PYTHON=/usr/bin/python3 WORKON_HOME="$work/workon-empty" \
    _R_CHECK_CRAN_INCOMING_REMOTE_=false _R_CHECK_SYSTEM_CLOCK_=0 \
    R CMD check --as-cran --no-manual "$tarball") >"$work/check.log" 2>&1
  local status
  status=$(grep '^Status:' "$work/check/kerasoptim.Rcheck/00check.log" | tail -n 1)
  echo "R CMD check --as-cran without Python: $status"
  ! echo "$status" | grep -qE 'ERROR|WARNING' && [ -n "$status" ] ||
    { cat "$work/check.log"; return 1; }
}
check "R CMD check --as-cran without the Python side" timed check-no-python check_without_python

if [ "$failed" -gt 0 ]; then
  cat "$log"
  printf 'failed: %s\n' "${failures[@]}"
fi
echo "install routes took: ${times[*]}; install_kerasoptim(): ${sizes[*]}"
echo "install: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
