# Shared by every article: chunk options, and whether Python code runs.
# Python chunks run through reticulate (RETICULATE_PYTHON picks the Python).
# Without the Python package kerasoptim the code is shown, not run (so R CMD
# check passes on a machine without it), unless KERASOPTIM_REQUIRE_PYTHON is
# "true" (as in `make docs`), where that is an error. Under `make docs`
# (KERASOPTIM_DOCS_STRICT=true) an R warning in a chunk is an error too.
# kerasoptim_available() imports the Python sources bundled with the R
# package, so Python chunks then find `kerasoptim` already imported.
has_python <- kerasoptim::kerasoptim_available()
if (!has_python && identical(Sys.getenv("KERASOPTIM_REQUIRE_PYTHON"), "true")) {
  stop("The Python package kerasoptim is not available to reticulate ",
       "(RETICULATE_PYTHON=", Sys.getenv("RETICULATE_PYTHON"), ").",
       call. = FALSE)
}
if (identical(Sys.getenv("KERASOPTIM_DOCS_STRICT"), "true")) {
  options(warn = 2)
}
# keras3's idioms (library(keras3), compile(), fit(), save_model()) run where
# keras3 is installed; elsewhere (Debian's reticulate 1.28, as R CMD check
# here runs) those chunks (eval = has_keras3) are shown, not run, and each
# page's "Without keras3" chunks, plain reticulate, run in any case. Where
# keras3 must be there (KERASOPTIM_WITH_KERAS3=true: the keras3 suite, and
# `make docs` with .Rlib-keras3) its absence is an error.
# Installed, not loaded: loading keras3 here would start TensorFlow before a
# page can configure its devices (Scaling out).
has_keras3 <- has_python && nzchar(system.file(package = "keras3"))
if (has_python && !has_keras3 &&
    identical(Sys.getenv("KERASOPTIM_WITH_KERAS3"), "true")) {
  stop("KERASOPTIM_WITH_KERAS3=true, but keras3 is not installed in ",
       paste(.libPaths(), collapse = ", "), ".", call. = FALSE)
}
knitr::opts_chunk$set(collapse = TRUE, comment = "#>", eval = has_python,
                      fig.width = 7, fig.height = 4, out.width = "100%")
not_run_note <- function() {
  if (!has_python) {
    cat("*The Python package kerasoptim was not available when this page",
        "was built, so the code below was not run.*\n")
  } else if (!has_keras3) {
    cat("*keras3 was not installed when this page was built: its R code is",
        "shown, not run; the \"Without keras3\" code ran.*\n")
  }
}
