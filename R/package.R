#' @keywords internal
"_PACKAGE"

# Package-level state. `py` holds the delay-loaded Python module `kerasoptim`;
# it is created in .onLoad() and resolved on first use by kerasoptim_module().
.kerasoptim <- new.env(parent = emptyenv())

.onLoad <- function(libname, pkgname) {
  .kerasoptim$py <- delay_load_module("kerasoptim")
}

# A delay-loaded module proxy: nothing is imported (and Python is not even
# started) until the first attribute access. `environment` makes reticulate
# prefer the virtualenv made by install_kerasoptim() when it picks a Python.
# If Python is already running, reticulate imports at once; a failure then
# must not break library(kerasoptim), so it is kept for kerasoptim_module().
delay_load_module <- function(module) {
  tryCatch(
    reticulate::import(module, delay_load = list(
      environment = "r-kerasoptim",
      on_error = function(e) stop_python_missing(module, e)
    )),
    error = function(e) NULL
  )
}

# The Python module, imported now if it was not yet. Every failure (no Python,
# no kerasoptim, no Keras, no backend) becomes one error that says how to fix
# it; reticulate only runs `on_error` on the first failed attempt.
kerasoptim_module <- function(module = "kerasoptim", call = NULL) {
  ours <- identical(module, "kerasoptim")
  mod <- if (ours) .kerasoptim$py
  tryCatch(
    {
      if (is.null(mod)) {
        mod <- reticulate::import(module)
      }
      # Attribute access resolves a delay-loaded proxy.
      reticulate::py_has_attr(mod, "__name__")
      if (ours) .kerasoptim$py <- mod
      mod
    },
    kerasoptim_python_missing = function(e) {
      if (ours) .kerasoptim$py <- NULL
      e$call <- call
      stop(e)
    },
    error = function(e) {
      # Later attempts import directly: reticulate runs a proxy's on_error
      # only once, and its own message for a second failure is long.
      if (ours) .kerasoptim$py <- NULL
      if (grepl("install_kerasoptim()", conditionMessage(e), fixed = TRUE)) {
        # Our own error from on_error, with its class lost on the way
        # through reticulate's C++ code.
        msg <- sub("^Error[^:]*: ", "", conditionMessage(e))
        stop(errorCondition(
          trimws(msg),
          class = c("kerasoptim_python_missing", "kerasoptim_error"),
          call = call
        ))
      }
      stop_python_missing(module, e, call = call)
    }
  )
}

stop_python_missing <- function(module, error, call = NULL) {
  python <- tryCatch(
    if (reticulate::py_available()) reticulate::py_config()$python,
    error = function(e) NULL
  )
  reason <- trimws(strip_python_noise(conditionMessage(error)))
  msg <- paste0(
    "The Python package '", module, "' (with Keras 3 and a backend) ",
    "could not be loaded",
    if (length(python)) paste0(" by the Python at ", python),
    ".\n",
    if (nzchar(reason)) paste0("Reason: ", reason, "\n"),
    "To fix it, run `kerasoptim::install_kerasoptim()` and restart R, ",
    "or point RETICULATE_PYTHON at a Python that has 'kerasoptim' installed."
  )
  stop(errorCondition(
    msg,
    class = c("kerasoptim_python_missing", "kerasoptim_error"),
    call = call
  ))
}
