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
knitr::opts_chunk$set(collapse = TRUE, comment = "#>", eval = has_python,
                      fig.width = 7, fig.height = 4, out.width = "100%")
not_run_note <- function() {
  if (!has_python) {
    cat("*The Python package kerasoptim was not available when this page",
        "was built, so the code below was not run.*\n")
  }
}
