# Finding Python, importing the bundled Python package kerasoptim from it, and
# an error that says how to fix things when that fails.

# reticulate runs the hooks of this name when Python imports `keras`.
keras_load_hook <- "reticulate::keras::load"

# The virtual environment to prefer when nothing else decides (see
# ?kerasoptim, "Which Python"), or NULL.
preferred_environment <- function(envs = c("r-kerasoptim", "r-keras")) {
  chosen <- c("RETICULATE_PYTHON", "RETICULATE_PYTHON_ENV")
  if (any(!is.na(Sys.getenv(chosen, unset = NA))) ||
      reticulate::py_available(initialize = FALSE)) {
    return(NULL)
  }
  Find(reticulate::virtualenv_exists, envs)
}

# Where the Python sources travel inside the installed R package.
bundled_python_path <- function() {
  system.file("python", package = "kerasoptim")
}

keras_imported <- function() {
  reticulate::py_available(initialize = FALSE) &&
    reticulate::py_eval("'keras' in __import__('sys').modules")
}

# Import kerasoptim as soon as Keras is imported, which registers the
# optimizer classes with Keras (for load_model()). A failure here is reported
# by the first optimizer_*() call.
register_with_keras <- function() {
  tryCatch(kerasoptim_module(), error = function(e) NULL)
  invisible()
}

#' Is kerasoptim ready to use?
#'
#' Whether the optimizers can be built in this session: a Python with Keras 3
#' and its backend is found, and the Python package kerasoptim (which comes
#' with this R package) imports there. Starts Python if it is not running.
#'
#' @returns `TRUE` or `FALSE`.
#' @export
#' @examples
#' kerasoptim_available()
kerasoptim_available <- function() {
  tryCatch({
    kerasoptim_module()
    TRUE
  }, error = function(e) FALSE)
}

# The Python module, imported now if it was not yet: kerasoptim from the
# sources bundled with this package, any other `module` by name. Every
# failure (no Python, no Keras, no backend) becomes one error that says how
# to fix it.
kerasoptim_module <- function(module = "kerasoptim", call = NULL) {
  ours <- identical(module, "kerasoptim")
  if (ours && !is.null(.kerasoptim$py)) {
    return(.kerasoptim$py)
  }
  path <- bundled_python_path()
  if (ours && !file.exists(file.path(path, "kerasoptim", "__init__.py"))) {
    stop(errorCondition(paste0(
      "The Python sources of kerasoptim are missing from the installed R ",
      "package (expected in '", path, "'). Reinstall the R package kerasoptim."
    ), class = c("kerasoptim_python_missing", "kerasoptim_error"), call = call))
  }
  mod <- tryCatch(
    if (ours) {
      reticulate::import_from_path(module, path = path)
    } else {
      reticulate::import(module)
    },
    error = function(e) stop_python_missing(module, e, call = call)
  )
  if (ours) .kerasoptim$py <- mod
  mod
}

stop_python_missing <- function(module, error, call = NULL) {
  reason <- trimws(strip_python_noise(conditionMessage(error)))
  python <- running_python()
  msg <- paste0(
    "The Python package '", module, "' (with Keras 3 and a backend) ",
    "could not be loaded",
    if (!is.null(python)) paste0(" by the Python at ", python$python),
    ".\n",
    if (nzchar(reason)) paste0("Reason: ", reason, "\n"),
    "To fix it, ", fix_hint(reason, python$venv)
  )
  stop(errorCondition(
    msg,
    class = c("kerasoptim_python_missing", "kerasoptim_error"),
    call = call
  ))
}

# The running Python: its path and, if it is a virtual environment (a
# `pyvenv.cfg` beside its `bin` folder), the environment's folder. NULL when
# Python is not running.
running_python <- function() {
  python <- tryCatch(
    if (reticulate::py_available()) reticulate::py_config()$python,
    error = function(e) NULL
  )
  if (is.null(python)) {
    return(NULL)
  }
  home <- dirname(dirname(python))
  list(python = python,
       venv = if (file.exists(file.path(home, "pyvenv.cfg"))) home)
}

# The one thing that fixes the failure described by `reason`, given the
# virtual environment in use (NULL if none).
fix_hint <- function(reason, venv = NULL) {
  if (grepl("RETICULATE_PYTHON", reason, fixed = TRUE)) {
    return(paste0(
      "point RETICULATE_PYTHON at a Python with Keras 3, or unset it and run ",
      "`kerasoptim::install_kerasoptim()` and restart R."
    ))
  }
  backend <- missing_backend(reason)
  if (is.null(venv)) {
    args <- if (!is.null(backend)) sprintf('backend = "%s"', backend) else ""
    return(sprintf(paste0(
      "run `kerasoptim::install_kerasoptim(%s)` (a virtual environment ",
      "\"r-kerasoptim\" with Keras 3, which kerasoptim then uses) and restart R."
    ), args))
  }
  sprintf(
    "run `kerasoptim::install_kerasoptim(envname = \"%s\", %snew_env = FALSE)` (it adds %s to that environment) and restart R.",
    venv,
    if (!is.null(backend)) sprintf('backend = "%s", ', backend) else "",
    if (!is.null(backend)) paste("the", backend, "backend") else "Keras 3 and a backend"
  )
}

# The Keras backend whose module could not be imported, or NULL.
missing_backend <- function(reason) {
  backends <- c("tensorflow", "jax", "torch")
  hit <- backends[vapply(backends, function(b) {
    grepl(sprintf("No module named '%s'", b), reason, fixed = TRUE)
  }, logical(1))]
  if (length(hit)) hit[[1L]]
}
