# Python's temporary files (e.g. TensorFlow's autograph sources) go into R's
# session temp folder, which R removes at exit: nothing is left in /tmp.
Sys.setenv(TMPDIR = tempdir())

# Tests that need Python and the Python package kerasoptim call
# skip_if_no_kerasoptim(). It skips when they are missing, except when
# KERASOPTIM_REQUIRE_PYTHON=true (as `make test` sets): then it fails, so the
# suite can never pass with those tests skipped.
skip_if_no_kerasoptim <- function() {
  if (kerasoptim::kerasoptim_available()) {
    return(invisible(TRUE))
  }
  if (identical(Sys.getenv("KERASOPTIM_REQUIRE_PYTHON"), "true")) {
    stop("KERASOPTIM_REQUIRE_PYTHON=true, but the Python package kerasoptim ",
         "cannot be imported by reticulate (Python: ",
         Sys.getenv("RETICULATE_PYTHON", "not set"), ").", call. = FALSE)
  }
  skip("the Python package kerasoptim is not available")
}

# The Python module (imported from the sources bundled with the R package),
# for building optimizers the Python way.
py_kerasoptim <- function() kerasoptim:::kerasoptim_module()

# Evaluate Python source (e.g. "kerasoptim.optimizer_adam(beta_1=0.8)") with
# `kerasoptim` and `keras` imported; returns the Python object unconverted.
py_eval_kerasoptim <- function(code) {
  py_kerasoptim()
  reticulate::py_run_string("import keras\nimport kerasoptim", convert = FALSE)
  reticulate::py_eval(code, convert = FALSE)
}


# Tests of keras3's idioms call skip_if_no_keras3(): they skip where keras3 is
# not installed (Debian's reticulate 1.28, in .Rlib), except under
# KERASOPTIM_WITH_KERAS3=true (set by tools/run-keras3-suite.sh, whose library
# has keras3), where a missing keras3 fails them instead of skipping.
skip_if_no_keras3 <- function() {
  if (identical(Sys.getenv("KERASOPTIM_WITH_KERAS3"), "true") &&
      !requireNamespace("keras3", quietly = TRUE)) {
    stop("KERASOPTIM_WITH_KERAS3=true, but keras3 cannot be loaded from ",
         paste(.libPaths(), collapse = ", "), call. = FALSE)
  }
  skip_if_not_installed("keras3")
}
