# Run R code in a fresh R process with this package's library path; returns
# the output lines and the exit status.
run_rscript <- function(code, env = character()) {
  rscript <- file.path(R.home("bin"), "Rscript")
  env <- c(paste0("R_LIBS=", paste(.libPaths(), collapse = .Platform$path.sep)), env)
  out <- suppressWarnings(system2(rscript, c("--vanilla", "-e", shQuote(code)),
                                  env = env, stdout = TRUE, stderr = TRUE))
  list(output = paste(out, collapse = "\n"), status = attr(out, "status") %||% 0L)
}
`%||%` <- function(x, y) if (is.null(x)) y else x

test_that("library(kerasoptim) does not start Python", {
  res <- run_rscript(
    "library(kerasoptim); cat('python started:', reticulate::py_available(), '\\n')",
    env = "RETICULATE_PYTHON=/nonexistent/bin/python"
  )
  expect_identical(res$status, 0L)
  expect_match(res$output, "python started: FALSE", fixed = TRUE)
})

test_that("without Python, the first call says to run install_kerasoptim()", {
  res <- run_rscript(
    "library(kerasoptim); optimizer_adam()",
    env = "RETICULATE_PYTHON=/nonexistent/bin/python"
  )
  expect_false(identical(res$status, 0L))
  expect_match(res$output, "Error in optimizer_adam()", fixed = TRUE)
  expect_match(res$output, "could not be loaded", fixed = TRUE)
  expect_match(res$output, "kerasoptim::install_kerasoptim()", fixed = TRUE)
})

test_that("a missing Python module gives the install hint, every time", {
  skip_if_no_kerasoptim()
  for (i in 1:2) {
    err <- expect_error(
      kerasoptim:::kerasoptim_module("kerasoptim_no_such_module", call = quote(f())),
      class = "kerasoptim_python_missing"
    )
    expect_match(conditionMessage(err), "'kerasoptim_no_such_module'", fixed = TRUE)
    expect_match(conditionMessage(err), "No module named 'kerasoptim_no_such_module'",
                 fixed = TRUE)
    expect_match(conditionMessage(err), "kerasoptim::install_kerasoptim()", fixed = TRUE)
    expect_identical(conditionCall(err), quote(f()))
  }
})

test_that("a Python without Keras gives the install hint", {
  skip_if_no_kerasoptim()
  # A `keras` that cannot be imported shadows the real one in a child R.
  fake <- tempfile("no-keras-")
  dir.create(file.path(fake, "keras"), recursive = TRUE)
  writeLines("raise ModuleNotFoundError(\"No module named 'keras'\", name='keras')",
             file.path(fake, "keras", "__init__.py"))
  res <- run_rscript(
    "library(kerasoptim); try(optimizer_adam_w()); optimizer_adamax()",
    env = c(paste0("RETICULATE_PYTHON=", Sys.getenv("RETICULATE_PYTHON")),
            paste0("PYTHONPATH=", fake))
  )
  expect_false(identical(res$status, 0L))
  expect_match(res$output, "Error in optimizer_adam_w()", fixed = TRUE)
  expect_match(res$output, "Error in optimizer_adamax()", fixed = TRUE)
  # The first and the second attempt both say what is missing and the fix.
  count <- function(pattern) lengths(regmatches(res$output, gregexpr(pattern, res$output, fixed = TRUE)))
  expect_identical(count("Reason: No module named 'keras'"), 2L)
  expect_identical(count("kerasoptim::install_kerasoptim()"), 2L)
})
