test_that("install_kerasoptim() checks its arguments before installing", {
  expect_error(install_kerasoptim(envname = 1),
               "Argument `envname` must be a single non-empty string. Received: envname=1",
               fixed = TRUE, class = "kerasoptim_arg_error")
  expect_error(install_kerasoptim(envname = c("a", "b")), "Received: envname=c(\"a\", \"b\")",
               fixed = TRUE)
  expect_error(install_kerasoptim(backend = "mxnet"),
               'Argument `backend` must be one of "tensorflow", "jax" or "torch". Received: backend="mxnet"',
               fixed = TRUE, class = "kerasoptim_arg_error")
  expect_error(install_kerasoptim(backend = c("jax", "torch")), "Argument `backend`", fixed = TRUE)
  expect_error(install_kerasoptim(new_env = NA),
               "Argument `new_env` must be `TRUE` or `FALSE`. Received: new_env=NA",
               fixed = TRUE)
  expect_error(install_kerasoptim(python = 3), "Argument `python`", fixed = TRUE)
  expect_error(install_kerasoptim(pip_options = 1),
               "Argument `pip_options` must be a character vector. Received: pip_options=1",
               fixed = TRUE)
})

test_that("the backend defaults to tensorflow and is matched exactly", {
  expect_identical(kerasoptim:::check_backend(c("tensorflow", "jax", "torch")), "tensorflow")
  expect_identical(kerasoptim:::check_backend("torch"), "torch")
  expect_error(kerasoptim:::check_backend("tf"), "Argument `backend`")
})

test_that("install_plan() installs CPU builds of each backend and Keras 3, never kerasoptim", {
  plan <- kerasoptim:::install_plan("tensorflow", sysname = "Linux")
  expect_identical(plan$backend, "tensorflow-cpu")
  expect_identical(plan$keras, "keras>=3.8")
  expect_identical(plan$backend_pip_options, character())
  expect_identical(kerasoptim:::install_plan("tensorflow", sysname = "Darwin")$backend, "tensorflow")
  expect_identical(kerasoptim:::install_plan("jax", sysname = "Linux")$backend, "jax")
  torch <- kerasoptim:::install_plan("torch", sysname = "Linux")
  expect_identical(torch$backend, "torch")
  expect_identical(torch$backend_pip_options,
                   c("--index-url", "https://download.pytorch.org/whl/cpu"))
  expect_identical(kerasoptim:::install_plan("torch", sysname = "Darwin")$backend_pip_options,
                   character())
  for (backend in c("tensorflow", "jax", "torch")) {
    plan <- kerasoptim:::install_plan(backend, sysname = "Linux")
    expect_false(any(grepl("kerasoptim", unlist(plan))))
  }
})

test_that("the Python sources travel inside the installed R package", {
  path <- kerasoptim:::bundled_python_path()
  expect_true(file.exists(file.path(path, "kerasoptim", "__init__.py")))
  expect_true(file.exists(file.path(path, "kerasoptim", "factories.py")))
})

test_that("environment names live in reticulate's folder; paths stay paths", {
  withr_env <- Sys.getenv("WORKON_HOME", unset = NA)
  on.exit(if (is.na(withr_env)) Sys.unsetenv("WORKON_HOME") else Sys.setenv(WORKON_HOME = withr_env))
  Sys.setenv(WORKON_HOME = "/some/where")
  expect_identical(kerasoptim:::environment_path("r-kerasoptim"), "/some/where/r-kerasoptim")
  expect_identical(kerasoptim:::environment_path("/opt/env"), "/opt/env")
})

test_that("a failed command stops with the end of its output, without R's LD_LIBRARY_PATH", {
  old <- Sys.getenv("LD_LIBRARY_PATH", unset = NA)
  on.exit(if (is.na(old)) Sys.unsetenv("LD_LIBRARY_PATH") else Sys.setenv(LD_LIBRARY_PATH = old))
  Sys.setenv(LD_LIBRARY_PATH = "/r/lib")
  out <- kerasoptim:::run_quietly("sh", c("-c", "echo \"[$LD_LIBRARY_PATH]\""), "Echo")
  expect_identical(out, "[]")
  expect_identical(Sys.getenv("LD_LIBRARY_PATH"), "/r/lib")
  err <- expect_error(
    kerasoptim:::run_quietly("sh", c("-c", "echo one; echo two >&2; exit 3"), "Installing x"),
    class = "kerasoptim_error"
  )
  expect_match(conditionMessage(err), "^Installing x failed \\(sh exited with status 3\\)")
  expect_match(conditionMessage(err), "one\ntwo$")
})

test_that("the environment remembers its backend in a .pth file", {
  site <- tempfile("site-")
  dir.create(site)
  fake_python <- file.path(site, "python")
  writeLines(c("#!/bin/sh", sprintf("echo '%s'", site)), fake_python)
  Sys.chmod(fake_python, "755")
  kerasoptim:::remember_backend(fake_python, "jax")
  expect_identical(readLines(file.path(site, "kerasoptim-backend.pth")),
                   "import os; os.environ.setdefault('KERAS_BACKEND', 'jax')")
})

test_that("sizes and times read plainly", {
  expect_identical(kerasoptim:::format_bytes(1.43e9), "1.4 GB")
  expect_identical(kerasoptim:::format_bytes(2.5e8), "250 MB")
  expect_identical(kerasoptim:::format_seconds(42), "42 s")
  expect_identical(kerasoptim:::format_seconds(83), "1 min 23 s")
})

test_that("a folder's size counts linked folders once", {
  dir <- tempfile("env-")
  dir.create(file.path(dir, "lib"), recursive = TRUE)
  writeBin(raw(1000), file.path(dir, "lib", "big"))
  writeBin(raw(10), file.path(dir, "pyvenv.cfg"))
  file.symlink("lib", file.path(dir, "lib64"))
  expect_identical(kerasoptim:::folder_size(dir), 1010)
})

test_that("the Python to start from must be 3.10 or later", {
  old_python <- tempfile("python-")
  writeLines(c("#!/bin/sh", "echo /usr/bin/python3.8", "echo 3.8"), old_python)
  Sys.chmod(old_python, "755")
  expect_error(kerasoptim:::starter_python(old_python),
               "Argument `python` must be a Python 3.10 or later (this one is 3.8).",
               fixed = TRUE, class = "kerasoptim_arg_error")
})
