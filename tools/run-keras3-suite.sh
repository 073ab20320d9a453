#!/usr/bin/env bash
# The keras3 suite: what keras3 users run, with keras3 and a current
# reticulate (installed by `make setup` into .Rlib-keras3, first on the
# library path; Debian's reticulate 1.28 stays for the other suites).
# Per backend (default: tensorflow jax torch; or the ones named):
#   - on TensorFlow: the testthat suite (as tools/run-r-suites.sh runs it;
#     here its keras3 tests run), every help page's examples (their keras3
#     form) and every article (vignettes/, knitted: R and Python chunks,
#     keras3's forms included);
#   - on every backend: the README's ```r blocks as written, each in a fresh
#     R process, in order, in one folder, then two of its claims about keras3
#     (load_model(); the package attached last wins); and keras3's own tests
#     (tests/testthat/test-optimizers.R of the keras3 source tarball, on
#     TensorFlow also its test-model.R, which trains with optimizer_adam())
#     twice, with keras3's optimizer_adam(), optimizer_adam_w(),
#     optimizer_adamax() and with kerasoptim's bound in their place. They must
#     pass and fail identically: a test that fails with kerasoptim's only is a
#     failure; one that fails both ways is listed and not counted.
# One line "keras3[BACKEND]: N passed, N failed, N skipped" a backend (the
# testthat and keras3 counts are testthat's expectations; a README block or
# an article counts one). Judged by exit status and testthat's own results,
# never by words in the output; on failure the log of the failing part is
# shown. Without keras3 in .Rlib-keras3 (no ../shared/r-src and CRAN not
# reachable when `make setup` ran) it says it did not run:
# "keras3: 0 passed, 0 failed, 1 skipped (did not run: ...)", exit status 0,
# or 1 with KERASOPTIM_REQUIRE_KERAS3=true.
set -u
cd "$(dirname "$0")/.."
root=$PWD
k3lib=$root/.Rlib-keras3
src=$(bash tools/r-src-dir.sh)
src=${src:-$root/../shared/r-src}

backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(tensorflow jax torch)

if [ ! -d "$k3lib/keras3" ] || [ ! -d "$k3lib/kerasoptim" ] || [ ! -d "$k3lib/reticulate" ]; then
  if ls "$src"/keras3_*.tar.gz >/dev/null 2>&1; then
    # The sources are here: not installed means `make setup` was not run or broke.
    echo "keras3: 0 passed, 1 failed, 0 skipped (keras3 is not installed in .Rlib-keras3, though ../shared/r-src has it: run make setup)"
    exit 1
  fi
  why="no ../shared/r-src, and CRAN was not reachable when make setup ran"
  if [ "${KERASOPTIM_REQUIRE_KERAS3:-}" = true ]; then
    echo "keras3: 0 passed, 1 failed, 0 skipped (did not run: $why; KERASOPTIM_REQUIRE_KERAS3=true)"
    exit 1
  fi
  echo "keras3: 0 passed, 0 failed, 1 skipped (did not run: $why)"
  exit 0
fi

export R_LIBS="$k3lib"
export R_LIBS_USER="${R_LIBS_USER:-$root/.Rlib}"
export RETICULATE_PYTHON="${RETICULATE_PYTHON:-$root/.venv/bin/python}"
export KERASOPTIM_REQUIRE_PYTHON=true KERASOPTIM_DOCS_STRICT=true
# keras3 is here: code that uses keras3 when it is installed (tests, help-page
# examples, articles) must run it, and fails rather than skip without it.
export KERASOPTIM_WITH_KERAS3=true
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
# R's reticulate must load the venv interpreter's libpython (as the Makefile sets).
libdir=$("$RETICULATE_PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") or "")' 2>/dev/null) || libdir=
export LD_LIBRARY_PATH="${libdir}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export NOT_CRAN=true
step_timeout=900

work=$(mktemp -d "${TMPDIR:-/tmp}/kerasoptim-keras3.XXXXXX")
trap 'rm -rf "$work"' EXIT
rscript() { timeout "$step_timeout" Rscript --vanilla "$@"; }
in_dir() { (cd "$1" && shift && "$@"); }
# `counted LOG LABEL cmd...`: run cmd, its output in LOG; count it in `ok`,
# or in `bad` showing LOG and "LABEL FAILED". `tallied NAME` adds the counts
# to the backend's totals and details (time since `t0`).
counted() {
  local log=$1 label=$2
  shift 2
  if "$@" >"$log" 2>&1; then
    ok=$((ok + 1))
  else
    cat "$log"; echo "$label FAILED"; bad=$((bad + 1))
  fi
}
tallied() {
  passed=$((passed + ok)) failed=$((failed + bad))
  details+=("$1 $ok/$bad $((SECONDS - t0)) s")
}
suite_r=$root/tools/keras3-suite.R

# keras3's own tests, from the tarball that was installed (../shared/r-src,
# or the one from CRAN that `make setup` kept in .Rlib-keras3/.src).
k3tests=$work/keras3-tests
tarball=$(ls "$src"/keras3_*.tar.gz 2>/dev/null | sort | tail -n 1)
[ -n "$tarball" ] || tarball=$(ls "$k3lib"/.src/keras3_*.tar.gz 2>/dev/null | sort | tail -n 1)
if [ -n "$tarball" ]; then
  mkdir -p "$k3tests" && tar -xzf "$tarball" -C "$k3tests" keras3/tests/testthat
fi
k3tests=$k3tests/keras3/tests/testthat

# The articles, knitted in a copy of the folders they read.
tree=$work/tree
mkdir -p "$tree"
cp -r vignettes bench tools python "$tree"/
find "$tree" -name __pycache__ -prune -exec rm -rf {} + 2>/dev/null

rscript "$suite_r" readme README.md "$work/readme-src" >"$work/readme-src.log" 2>&1 || {
  cat "$work/readme-src.log"; echo "keras3: 0 passed, 1 failed, 0 skipped (README blocks not read)"; exit 1; }

status=0
for backend in "${backends[@]}"; do
  export KERAS_BACKEND=$backend
  passed=0 failed=0 skipped=0 started=$SECONDS
  details=()
  # --- testthat, on TensorFlow ----------------------------------------------
  if [ "$backend" = tensorflow ]; then
    t0=$SECONDS
    counts=$work/testthat-counts
    rm -f "$counts"
    if rscript "$root/tools/testthat-counts.R" "$counts" >"$work/testthat.log" 2>&1 && [ -s "$counts" ]; then
      read -r p f s <"$counts"
    else
      cat "$work/testthat.log"
      if [ -s "$counts" ]; then read -r p f s <"$counts"; else p=0 f=1 s=0; fi
      [ "$f" -gt 0 ] || f=1
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    details+=("testthat $p/$f/$s $((SECONDS - t0)) s")
  fi
  # --- README's R blocks, as written ----------------------------------------
  run_dir=$work/readme-$backend t0=$SECONDS
  mkdir -p "$run_dir"
  ok=0 bad=0
  for block in "$work"/readme-src/block-*.R; do
    name=$(basename "$block")
    counted "$run_dir/$name.log" "README $name ($backend)" \
      in_dir "$run_dir" rscript "$block"
  done
  # Two things the README says of keras3, in fresh sessions: its
  # load_model() loads the model the blocks saved (optimizer included) once
  # kerasoptim is loaded, and the package attached last wins.
  claims=(
    'library(kerasoptim); model <- keras3::load_model("iris.keras")
     stopifnot(startsWith(class(model$optimizer)[[1]], "kerasoptim."))'
    'suppressPackageStartupMessages({ library(keras3); library(kerasoptim) })
     stopifnot(identical(optimizer_adam, kerasoptim::optimizer_adam),
               identical(optimizer_adam_w, kerasoptim::optimizer_adam_w),
               identical(optimizer_adamax, kerasoptim::optimizer_adamax))'
    'suppressPackageStartupMessages({ library(kerasoptim); library(keras3) })
     stopifnot(identical(optimizer_adam, keras3::optimizer_adam))'
  )
  for i in "${!claims[@]}"; do
    counted "$run_dir/claim-$i.log" "README keras3 claim $i ($backend)" \
      in_dir "$run_dir" rscript -e "${claims[$i]}"
  done
  tallied "README blocks and keras3 claims"
  # --- help pages' examples, on TensorFlow (their keras3 form) ---------------
  if [ "$backend" = tensorflow ]; then
    ok=0 bad=0 t0=$SECONDS
    for rd in "$root"/man/*.Rd; do
      name=$(basename "$rd" .Rd)
      counted "$work/example-$name.log" "examples of $name" \
        rscript "$suite_r" example "$rd"
    done
    tallied "help-page examples"
  fi
  # --- articles, on TensorFlow -----------------------------------------------
  if [ "$backend" = tensorflow ]; then
    ok=0 bad=0 t0=$SECONDS
    for rmd in "$tree"/vignettes/*.Rmd "$tree"/vignettes/articles/*.Rmd; do
      name=$(basename "$rmd" .Rmd)
      counted "$work/article-$name.log" "article $name" \
        rscript "$suite_r" article "$rmd" "$work/article-$name.md"
    done
    tallied "articles"
  fi
  # --- keras3's own tests, both ways -----------------------------------------
  if [ -d "$k3tests" ]; then
    keras3_filter='^optimizers$' t0=$SECONDS
    [ "$backend" != tensorflow ] || keras3_filter='^(optimizers|model)$'
    for opt in keras3 kerasoptim; do
      rscript "$suite_r" keras3-tests "$k3tests" "$keras3_filter" "$opt" \
        "$work/k3-$backend-$opt.tsv" >"$work/k3-$backend-$opt.log" 2>&1 ||
        { cat "$work/k3-$backend-$opt.log"; rm -f "$work/k3-$backend-$opt.tsv"; }
    done
    # Per test: pass, fail or skip, with keras3's (a) and kerasoptim's (b).
    if [ -s "$work/k3-$backend-keras3.tsv" ] && [ -s "$work/k3-$backend-kerasoptim.tsv" ]; then
      read -r p f s < <(awk -F'\t' -v backend="$backend" '
        FNR == 1 { next }
        { key = $1 ": " $2
          st = ($4 > 0) ? "fail" : (($5 > 0) ? "skip" : "pass")
          if (FILENAME ~ /-keras3\.tsv$/) { a[key] = st; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
          else { b[key] = st; nb[key] = $3; if (!(key in seen)) { seen[key] = 1; order[++n] = key } } }
        END {
          p = f = s = 0; same = 0
          for (i = 1; i <= n; i++) {
            k = order[i]; x = (k in a) ? a[k] : "absent"; y = (k in b) ? b[k] : "absent"
            if (x == y) same++
            if (x == "fail" && y == "fail") {
              print "  keras3 test fails with both keras3'"'"'s and kerasoptim'"'"'s optimizers (not counted): " k > "/dev/stderr"
            } else if (y == "fail" || y == "absent") {
              f++; print "  keras3 test FAILS with kerasoptim'"'"'s optimizers only (keras3'"'"'s: " x "): " k > "/dev/stderr"
            } else if (y == "skip") { s++
            } else { p += nb[k]
              if (x != y) print "  keras3 test passes with kerasoptim'"'"'s optimizers, " x " with keras3'"'"'s: " k > "/dev/stderr"
            }
          }
          printf "  keras3 tests (%s) identical both ways: %d of %d\n", backend, same, n > "/dev/stderr"
          print p, f, s
        }' "$work/k3-$backend-keras3.tsv" "$work/k3-$backend-kerasoptim.tsv" 2>"$work/k3-$backend-compare.txt")
      grep -v "identical both ways" "$work/k3-$backend-compare.txt"
      same=$(grep -oE "[0-9]+ of [0-9]+" "$work/k3-$backend-compare.txt")
    else
      p=0 f=1 s=0 same="?"
      echo "keras3's tests did not run to the end ($backend)"
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    details+=("keras3 tests $p/$f/$s $((SECONDS - t0)) s, the same both ways: $same tests")
  else
    failed=$((failed + 1))
    echo "keras3's own tests not found (no keras3 tarball in ../shared/r-src or .Rlib-keras3/.src)"
    details+=("keras3 tests not found")
  fi
  [ "$failed" -eq 0 ] || status=1
  detail=$(IFS=';'; echo "${details[*]}" | sed 's/;/; /g')
  echo "keras3[$backend]: $passed passed, $failed failed, $skipped skipped (ok/not ok/skipped, time: $detail; in all $((SECONDS - started)) s)"
done
exit $status
