#' Install the Python package kerasoptim, Keras and a backend
#'
#' Creates a Python virtual environment (by default `"r-kerasoptim"`, which
#' kerasoptim uses automatically when `RETICULATE_PYTHON` is not set) and
#' installs into it Keras 3, the chosen backend and the Python package
#' `kerasoptim`, in the spirit of `keras3::install_keras()`.
#'
#' The Python package comes from the R package itself when it was installed
#' from a source tree that holds the Python sources (the `configure` script
#' copies them into the installed package); otherwise it is installed from
#' PyPI under the name `"kerasoptim"`.
#'
#' Backends are installed as CPU builds: `tensorflow-cpu` (`tensorflow` on
#' macOS), `jax`, or `torch` from the PyTorch CPU wheel index (on Linux and
#' Windows; an unpinned `torch` from PyPI pulls in several gigabytes of CUDA
#' libraries). To use a GPU, install the backend's GPU build into the
#' environment afterwards with [reticulate::virtualenv_install()].
#'
#' Keras picks its backend from the `KERAS_BACKEND` environment variable, so
#' for `"jax"` or `"torch"` set, e.g., `Sys.setenv(KERAS_BACKEND = "jax")`
#' (or add it to `~/.Renviron`) before kerasoptim is first used in a session.
#'
#' @param envname Name of (or path to) the Python virtual environment.
#' @param backend The Keras backend to install: `"tensorflow"`, `"jax"` or
#'   `"torch"`.
#' @param ... Further arguments passed on to
#'   [reticulate::virtualenv_install()] when Keras and kerasoptim are
#'   installed, e.g. `pip_options`.
#' @param new_env If `TRUE`, an existing environment called `envname` is
#'   deleted and made anew. Defaults to `TRUE` for the default environment.
#' @param python Path to the Python (>= 3.10) from which to make the virtual
#'   environment, or `NULL` to let reticulate pick one.
#'
#' @returns The path of the virtual environment, invisibly.
#' @export
#' @examples
#' \dontrun{
#' install_kerasoptim()
#' install_kerasoptim(backend = "jax")
#' }
install_kerasoptim <- function(envname = "r-kerasoptim",
                               backend = c("tensorflow", "jax", "torch"),
                               ...,
                               new_env = identical(envname, "r-kerasoptim"),
                               python = NULL) {
  call <- sys.call()
  if (!(is.character(envname) && length(envname) == 1L && !is.na(envname) &&
        nzchar(envname))) {
    stop_arg("envname", envname, "a single non-empty string", call)
  }
  backend <- check_backend(backend, call)
  if (!(is.logical(new_env) && length(new_env) == 1L && !is.na(new_env))) {
    stop_arg("new_env", new_env, "`TRUE` or `FALSE`", call)
  }
  if (!is.null(python) &&
      !(is.character(python) && length(python) == 1L && !is.na(python))) {
    stop_arg("python", python, "the path to a Python executable or `NULL`", call)
  }
  plan <- install_plan(backend)
  source <- python_package_source()

  if (new_env && reticulate::virtualenv_exists(envname)) {
    reticulate::virtualenv_remove(envname, confirm = FALSE)
  }
  path <- reticulate::virtualenv_create(envname, python = python)
  reticulate::virtualenv_install(envname, plan$backend,
                                 pip_options = plan$backend_pip_options)
  reticulate::virtualenv_install(envname, c(plan$keras, pip_source(source)), ...)

  message(
    "Installed kerasoptim, Keras and the ", backend, " backend into the ",
    "virtual environment '", envname, "'.\nRestart R to use it",
    if (backend != "tensorflow") {
      paste0(", with Sys.setenv(KERAS_BACKEND = \"", backend, "\") ",
             "(or KERAS_BACKEND=", backend, " in ~/.Renviron)")
    },
    "."
  )
  invisible(path)
}

check_backend <- function(backend, call = NULL) {
  choices <- eval(formals(install_kerasoptim)$backend)
  if (identical(backend, choices)) {
    return(choices[[1L]])
  }
  if (!(is.character(backend) && length(backend) == 1L &&
        backend %in% choices)) {
    stop_arg("backend", backend,
             'one of "tensorflow", "jax" or "torch"', call)
  }
  backend
}

# The pip requirements for a backend: the backend is installed on its own so
# that the torch CPU index applies to torch only.
install_plan <- function(backend, sysname = Sys.info()[["sysname"]]) {
  torch_cpu_index <- "https://download.pytorch.org/whl/cpu"
  list(
    backend = switch(backend,
      tensorflow = if (sysname == "Darwin") "tensorflow" else "tensorflow-cpu",
      jax = "jax",
      torch = "torch"
    ),
    backend_pip_options = if (backend == "torch" && sysname != "Darwin") {
      c("--index-url", torch_cpu_index)
    } else {
      character()
    },
    keras = "keras>=3.8"
  )
}

# Where pip gets the Python package: the sources bundled in the installed R
# package (inst/python, filled by ./configure) if there, else PyPI.
python_package_source <- function(path = system.file("python", package = "kerasoptim")) {
  if (nzchar(path) && file.exists(file.path(path, "pyproject.toml")) &&
      dir.exists(file.path(path, "python", "kerasoptim"))) {
    return(normalizePath(path))
  }
  message("The Python sources of kerasoptim are not bundled with this ",
          "R package; installing 'kerasoptim' from PyPI.")
  "kerasoptim"
}

# pip builds a local project in place, and the installed R library may be
# read-only: give pip a copy.
pip_source <- function(source) {
  if (!dir.exists(source)) {
    return(source)
  }
  copy <- tempfile("kerasoptim-python-")
  dir.create(copy)
  file.copy(list.files(source, full.names = TRUE, all.files = TRUE, no.. = TRUE),
            copy, recursive = TRUE)
  copy
}
