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

test_that("a missing Python module gives the fix for this environment, every time", {
  skip_if_no_kerasoptim()
  for (i in 1:2) {
    err <- expect_error(
      kerasoptim:::kerasoptim_module("kerasoptim_no_such_module", call = quote(f())),
      class = "kerasoptim_python_missing"
    )
    expect_match(conditionMessage(err), "'kerasoptim_no_such_module'", fixed = TRUE)
    expect_match(conditionMessage(err), "No module named 'kerasoptim_no_such_module'",
                 fixed = TRUE)
    expect_match(conditionMessage(err), "To fix it, run `kerasoptim::install_kerasoptim(",
                 fixed = TRUE)
    expect_identical(conditionCall(err), quote(f()))
  }
})

test_that("a Python without Keras says how to add Keras to it", {
  skip_if_no_kerasoptim()
  python <- reticulate::py_config()$python
  venv <- dirname(dirname(python))
  # A `keras` that cannot be imported shadows the real one in a child R.
  fake <- tempfile("no-keras-")
  dir.create(file.path(fake, "keras"), recursive = TRUE)
  writeLines("raise ModuleNotFoundError(\"No module named 'keras'\", name='keras')",
             file.path(fake, "keras", "__init__.py"))
  res <- run_rscript(
    "library(kerasoptim); try(optimizer_adam_w()); optimizer_adamax()",
    env = c(paste0("RETICULATE_PYTHON=", python), paste0("PYTHONPATH=", fake))
  )
  expect_false(identical(res$status, 0L))
  expect_match(res$output, "Error in optimizer_adam_w()", fixed = TRUE)
  expect_match(res$output, "Error in optimizer_adamax()", fixed = TRUE)
  # The first and the second attempt both say what is missing and the fix.
  count <- function(pattern) lengths(regmatches(res$output, gregexpr(pattern, res$output, fixed = TRUE)))
  expect_identical(count("Reason: No module named 'keras'"), 2L)
  hint <- sprintf('kerasoptim::install_kerasoptim(envname = "%s", new_env = FALSE)', venv)
  expect_identical(count(hint), 2L)
})

test_that("each failure names the one fix for its situation", {
  hint <- kerasoptim:::fix_hint
  expect_match(hint("No module named 'keras'"),
               "run `kerasoptim::install_kerasoptim()` (a virtual environment", fixed = TRUE)
  expect_match(hint("No module named 'jax'"),
               'run `kerasoptim::install_kerasoptim(backend = "jax")`', fixed = TRUE)
  expect_match(hint("No module named 'torch'", venv = "/envs/r-keras"),
               'install_kerasoptim(envname = "/envs/r-keras", backend = "torch", new_env = FALSE)` (it adds the torch backend',
               fixed = TRUE)
  expect_match(hint("No module named 'keras'", venv = "/envs/r-keras"),
               "(it adds Keras 3 and a backend to that environment)", fixed = TRUE)
  expect_match(hint("Python specified in RETICULATE_PYTHON (/x) does not exist"),
               "point RETICULATE_PYTHON at a Python with Keras 3", fixed = TRUE)
})

test_that("importing Keras registers the optimizer classes, before any optimizer_*() call", {
  skip_if_no_kerasoptim()
  res <- run_rscript(paste(
    "library(kerasoptim)",
    "keras <- reticulate::import('keras')",
    "cls <- keras$saving$get_registered_object('kerasoptim>AdamW')",
    "cat('registered:', !is.null(cls), '\\n')",
    sep = "; "
  ), env = paste0("RETICULATE_PYTHON=", reticulate::py_config()$python))
  expect_identical(res$status, 0L)
  expect_match(res$output, "registered: TRUE", fixed = TRUE)
})
