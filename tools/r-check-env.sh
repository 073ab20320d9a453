# Sourced by the suites that run R CMD check --as-cran (tools/run-r-suites.sh,
# tools/run-install-suite.sh). keras3 is in Suggests: the help pages'
# examples, the Getting started vignette and tests/testthat/test-keras3-idioms.R
# use it when it is installed, each guarded (requireNamespace(),
# eval = has_keras3, skip_if_not_installed()).
#
# `r_check_env WORK [KERAS3_LIB]` sets the array `check_env`, the environment
# R CMD check runs under (`env "${check_env[@]}" R CMD check ...`):
# - with KERAS3_LIB holding keras3 and its reticulate (.Rlib-keras3, made by
#   `make setup`), that library first, as r-lib's CI checks with every
#   suggested package installed (examples, tests and vignette then run
#   their keras3 code);
# - where keras3 cannot be loaded otherwise, a check not forced to have it
#   (_R_CHECK_FORCE_SUGGESTS_=false, as CRAN's noSuggests checks; the guarded
#   code takes its plain branch), and, offline, an empty stand-in for CRAN's
#   package database in WORK (R_CRAN_WEB): --as-cran looks a suggested
#   package that is not installed up there (its orphaned check), which
#   without one is an ERROR.
r_check_env() {
  local work=$1 k3lib=${2:-}
  check_env=()
  if [ -n "$k3lib" ] && [ -d "$k3lib/keras3" ] && [ -d "$k3lib/reticulate" ]; then
    check_env=("R_LIBS=$k3lib${R_LIBS:+:$R_LIBS}")
    return
  fi
  if Rscript --vanilla -e 'quit(status = !requireNamespace("keras3", quietly = TRUE))' >/dev/null 2>&1; then
    return
  fi
  check_env=(_R_CHECK_FORCE_SUGGESTS_=false)
  if ! Rscript --vanilla -e 'options(timeout = 10); quit(status = is.null(tryCatch(tools::CRAN_package_db(), error = function(e) NULL)))' >/dev/null 2>&1; then
    mkdir -p "$work/cran-web/web/packages"
    Rscript --vanilla -e 'saveRDS(data.frame(Package = character(), Maintainer = character()), commandArgs(TRUE)[[1]])' \
      "$work/cran-web/web/packages/packages.rds"
    check_env+=("R_CRAN_WEB=file://$work/cran-web")
  fi
}
