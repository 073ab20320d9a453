#!/usr/bin/env bash
# R suites: the testthat suite against the installed package (in R_LIBS_USER,
# by default .Rlib), then R CMD build and R CMD check --as-cran --no-manual on the
# tarball in a temporary directory. Quiet on success: one summary line. Fails
# on any test failure or error, or on any R CMD check ERROR or WARNING.
# Assumes .venv (with the Python package kerasoptim) and the .Rlib install.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export RETICULATE_PYTHON="${RETICULATE_PYTHON:-$root/.venv/bin/python}"
export R_LIBS_USER="${R_LIBS_USER:-$root/.Rlib}"
export KERASOPTIM_REQUIRE_PYTHON="${KERASOPTIM_REQUIRE_PYTHON:-true}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
# No internet: don't ask a time server or CRAN during R CMD check.
export _R_CHECK_SYSTEM_CLOCK_=0 _R_CHECK_CRAN_INCOMING_REMOTE_=false

work=$(mktemp -d "${TMPDIR:-/tmp}/kerasoptim-r.XXXXXX")
trap 'rm -rf "$work"' EXIT
# R CMD check with keras3 (Suggests) where `make setup` installed it.
source tools/r-check-env.sh
r_check_env "$work" "$root/.Rlib-keras3"

# --- testthat ----------------------------------------------------------------
counts="$work/testthat-counts"
if ! Rscript --vanilla tools/testthat-counts.R "$counts" >"$work/testthat.log" 2>&1; then
  cat "$work/testthat.log"
  echo "R: testthat FAILED${counts:+ (passed failed skipped: $(cat "$counts" 2>/dev/null || echo '?'))}" >&2
  exit 1
fi
read -r t_passed t_failed t_skipped <"$counts"

# --- R CMD build + R CMD check -------------------------------------------------
tarball=$(bash tools/build-tarball.sh "$work") || {
  echo "R: R CMD build FAILED" >&2
  exit 1
}
(cd "$work" && env "${check_env[@]}" R CMD check --as-cran --no-manual "$tarball" >check.log 2>&1) || true
log="$work/kerasoptim.Rcheck/00check.log"
if [ ! -f "$log" ]; then
  cat "$work/check.log"
  echo "R: R CMD check did not run" >&2
  exit 1
fi
status=$(grep '^Status:' "$log" | tail -n 1 || true)
count() { echo "$status" | grep -o "[0-9]\+ $1" | grep -o '[0-9]\+' || echo 0; }
if [ "$status" = "Status: OK" ]; then
  c_errors=0 c_warnings=0 c_notes=0
elif [ -n "$status" ]; then
  c_errors=$(count ERROR) c_warnings=$(count WARNING) c_notes=$(count NOTE)
else
  c_errors=1 c_warnings=0 c_notes=0   # the check stopped before its end
fi
if [ "$c_errors" -gt 0 ] || [ "$c_warnings" -gt 0 ]; then
  cat "$work/check.log"
  for f in "$work"/kerasoptim.Rcheck/tests/*.Rout.fail; do
    [ -f "$f" ] && tail -n 60 "$f"
  done
fi
if [ "$c_notes" -gt 0 ]; then
  # Show the notes (on success too): each deserves a look.
  awk '/^\* /{ p = / NOTE$/ } p' "$log"
fi

summary="R: testthat $t_passed passed, $t_failed failed, $t_skipped skipped; R CMD check: $c_errors errors, $c_warnings warnings, $c_notes notes"
echo "$summary"
[ "$c_errors" -eq 0 ] && [ "$c_warnings" -eq 0 ]
