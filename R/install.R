#' Install Keras 3 and a backend for kerasoptim
#'
#' Makes a Python virtual environment (by default `"r-kerasoptim"`, which
#' kerasoptim then uses in new R sessions) and installs Keras 3 and one
#' backend into it with pip, in the spirit of `keras3::install_keras()`. The
#' Python package kerasoptim itself is not installed: it comes with this R
#' package and is imported from there, so the two are always the same
#' version.
#'
#' The environment goes into reticulate's folder for virtual environments
#' (`reticulate::virtualenv_root()`: `WORKON_HOME`, or `~/.virtualenvs`).
#' Backends are installed as CPU builds: `tensorflow-cpu` (`tensorflow` on
#' macOS; about 1.6 GB installed, a minute or two from a fast mirror), `jax`
#' (about 0.7 GB) or `torch` from PyTorch's CPU wheel index on Linux and
#' Windows (about 1.1 GB; from PyPI, torch pulls in several gigabytes of
#' CUDA libraries). pip's own output is shown only if it fails. pip runs
#' without R's `LD_LIBRARY_PATH`, which would make a Python built with its own
#' shared library (e.g. by pyenv) load another one.
#'
#' The environment remembers the backend: a file `kerasoptim-backend.pth` in
#' its `site-packages` sets `KERAS_BACKEND` when that Python starts, unless
#' `KERAS_BACKEND` is already set. So after `install_kerasoptim(backend =
#' "jax")`, later sessions use JAX with no further settings.
#'
#' @param envname Name of (or path to) the Python virtual environment. An
#'   existing environment is kept (only what is missing is installed) unless
#'   `new_env` is `TRUE`.
#' @param backend The Keras backend to install: `"tensorflow"`, `"jax"` or
#'   `"torch"`.
#' @param new_env If `TRUE`, an existing environment called `envname` is
#'   deleted and made anew. Defaults to `TRUE` for the default environment.
#' @param python Path to the Python (>= 3.10) from which to make the virtual
#'   environment, or `NULL` for `python3` on the `PATH`.
#' @param pip_options Further options for `pip install`, e.g.
#'   `"--index-url=https://my.mirror/simple"`.
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
                               new_env = identical(envname, "r-kerasoptim"),
                               python = NULL, pip_options = character()) {
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
  if (!(is.character(pip_options) && !anyNA(pip_options))) {
    stop_arg("pip_options", pip_options, "a character vector", call)
  }
  plan <- install_plan(backend)
  path <- environment_path(envname)
  started <- Sys.time()

  if (new_env && dir.exists(path)) {
    message("Removing the existing environment ", path, " ...")
    unlink(path, recursive = TRUE)
  }
  env_python <- environment_python(path)
  if (!file.exists(env_python)) {
    python <- starter_python(python, call)
    message("Creating a Python virtual environment in ", path, " (from ", python, ") ...")
    run_quietly(python, c("-m", "venv", path), "Making the virtual environment")
  }
  message(sprintf("Installing Keras 3 and %s with pip (about %s; pip's output is shown only if it fails) ...",
                  plan$backend, plan$size))
  pip <- c("-m", "pip", "install", "--disable-pip-version-check", "--quiet")
  run_quietly(env_python, c(pip, plan$backend_pip_options, pip_options, plan$backend),
              paste("Installing", plan$backend))
  run_quietly(env_python, c(pip, pip_options, plan$keras), "Installing Keras")
  remember_backend(env_python, backend)

  message(sprintf(
    "Done in %s: %s (%s) has Keras 3 and the %s backend, which it uses unless KERAS_BACKEND says otherwise.\n%s",
    format_seconds(as.numeric(difftime(Sys.time(), started, units = "secs"))),
    path, format_bytes(folder_size(path)), backend,
    using_hint(envname, path)
  ))
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
    size = c(tensorflow = "1.6 GB", jax = "0.7 GB", torch = "1.1 GB")[[backend]],
    keras = "keras>=3.8"
  )
}

# A virtual environment's folder: a name is looked up where reticulate keeps
# virtual environments; anything with a slash is a path.
environment_path <- function(envname) {
  if (grepl("[/\\\\]", envname)) {
    return(normalizePath(envname, mustWork = FALSE))
  }
  file.path(reticulate::virtualenv_root(), envname)
}

environment_python <- function(path) {
  if (.Platform$OS.type == "windows") {
    file.path(path, "Scripts", "python.exe")
  } else {
    file.path(path, "bin", "python")
  }
}

# The Python to make the environment from (`python`, or python3 on the
# PATH), checked to be 3.10 or later; returns its real path.
starter_python <- function(python = NULL, call = NULL) {
  if (is.null(python)) {
    python <- Sys.which(c("python3", "python"))
    python <- python[nzchar(python)]
    if (!length(python)) {
      stop(errorCondition(paste0(
        "No Python was found on the PATH to make the virtual environment from. ",
        "Install Python (>= 3.10), or pass its path as `python`."
      ), class = "kerasoptim_error", call = call))
    }
    python <- python[[1L]]
  }
  info <- run_quietly(python, c("-c", "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])"),
                      paste("Running", python))
  info <- utils::tail(info, 2L)
  if (numeric_version(info[[2L]]) < "3.10") {
    stop_arg("python", python, paste0("a Python 3.10 or later (this one is ", info[[2L]], ")"), call)
  }
  info[[1L]]
}

# Run a Python command without R's LD_LIBRARY_PATH, quietly; on failure stop
# with the end of its output.
run_quietly <- function(command, args, what) {
  old <- Sys.getenv("LD_LIBRARY_PATH", unset = NA)
  if (!is.na(old)) {
    Sys.unsetenv("LD_LIBRARY_PATH")
    on.exit(Sys.setenv(LD_LIBRARY_PATH = old), add = TRUE)
  }
  out <- suppressWarnings(system2(command, shQuote(args), stdout = TRUE, stderr = TRUE))
  status <- attr(out, "status")
  if (!is.null(status) && status != 0L) {
    stop(errorCondition(paste0(
      what, " failed (", command, " exited with status ", status, "). Its output ends:\n",
      paste(utils::tail(out, 40L), collapse = "\n")
    ), class = "kerasoptim_error", call = NULL))
  }
  invisible(out)
}

# Make the environment's Python default to `backend` (see the docs above).
remember_backend <- function(python, backend) {
  site <- run_quietly(python, c("-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"),
                      "Finding site-packages")
  writeLines(
    sprintf("import os; os.environ.setdefault('KERAS_BACKEND', '%s')", backend),
    file.path(site[[length(site)]], "kerasoptim-backend.pth")
  )
}

# How later sessions come to use the environment at `path`.
using_hint <- function(envname, path) {
  if (envname %in% c("r-kerasoptim", "r-keras")) {
    "kerasoptim uses it in new R sessions: restart R."
  } else {
    sprintf("To use it, restart R and set RETICULATE_PYTHON=\"%s\" first.",
            environment_python(path))
  }
}

# Bytes in a folder, not counting linked folders twice (a virtual
# environment's lib64 is a link to lib).
folder_size <- function(path) {
  top <- list.files(path, all.files = TRUE, full.names = TRUE, no.. = TRUE)
  top <- top[!nzchar(Sys.readlink(top))]
  folders <- top[dir.exists(top)]
  files <- c(setdiff(top, folders),
             list.files(folders, recursive = TRUE, all.files = TRUE, full.names = TRUE))
  sum(file.size(files), na.rm = TRUE)
}

format_bytes <- function(bytes) {
  if (bytes >= 1e9) sprintf("%.1f GB", bytes / 1e9) else sprintf("%.0f MB", bytes / 1e6)
}

format_seconds <- function(seconds) {
  if (seconds < 60) {
    sprintf("%.0f s", seconds)
  } else {
    sprintf("%d min %02.0f s", seconds %/% 60, seconds %% 60)
  }
}
