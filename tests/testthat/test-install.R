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
})

test_that("the backend defaults to tensorflow and is matched exactly", {
  expect_identical(kerasoptim:::check_backend(c("tensorflow", "jax", "torch")), "tensorflow")
  expect_identical(kerasoptim:::check_backend("torch"), "torch")
  expect_error(kerasoptim:::check_backend("tf"), "Argument `backend`")
})

test_that("install_plan() installs CPU builds of each backend and Keras 3", {
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
})

test_that("the Python package comes from the bundled sources when present", {
  bundled <- tempfile("bundled-")
  dir.create(file.path(bundled, "python", "kerasoptim"), recursive = TRUE)
  writeLines("[project]", file.path(bundled, "pyproject.toml"))
  writeLines("", file.path(bundled, "python", "kerasoptim", "__init__.py"))
  expect_identical(kerasoptim:::python_package_source(bundled), normalizePath(bundled))

  copy <- kerasoptim:::pip_source(bundled)
  expect_false(identical(copy, bundled))
  expect_true(file.exists(file.path(copy, "pyproject.toml")))
  expect_true(file.exists(file.path(copy, "python", "kerasoptim", "__init__.py")))
})

test_that("the Python package comes from PyPI when no sources are bundled", {
  empty <- tempfile("empty-")
  dir.create(empty)
  expect_message(src <- kerasoptim:::python_package_source(empty), "from PyPI")
  expect_identical(src, "kerasoptim")
  expect_message(src <- kerasoptim:::python_package_source(""), "from PyPI")
  expect_identical(src, "kerasoptim")
  expect_identical(kerasoptim:::pip_source("kerasoptim"), "kerasoptim")
})

test_that("the installed package resolves its own Python source", {
  bundled <- system.file("python", package = "kerasoptim")
  if (nzchar(bundled)) {
    # Installed from the repository: ./configure bundled the sources.
    expect_identical(kerasoptim:::python_package_source(), normalizePath(bundled))
    expect_true(file.exists(file.path(bundled, "python", "kerasoptim", "__init__.py")))
  } else {
    # Installed from a tarball made by R CMD build, which leaves them out.
    expect_message(src <- kerasoptim:::python_package_source(), "from PyPI")
    expect_identical(src, "kerasoptim")
  }
})
