#' @keywords internal
#' @section Which Python:
#' kerasoptim runs its optimizers in Python, through reticulate; the Python
#' package `kerasoptim` comes with this R package (in its `python` folder) and
#' is imported from there, so any Python with Keras 3 and a backend serves.
#' The first of these that applies is used:
#' 1. a Python already running in the session (e.g. started by keras3);
#' 2. `RETICULATE_PYTHON` (or `RETICULATE_PYTHON_ENV`), when set;
#' 3. the virtual environment `"r-kerasoptim"`, made by [install_kerasoptim()];
#' 4. the virtual environment `"r-keras"`, made by `keras3::install_keras()`;
#' 5. the Python that reticulate finds by its own rules.
#'
#' Once Keras is imported in the session, the optimizer classes are known to
#' Keras, so a model saved with one of them loads before any `optimizer_*()`
#' call.
"_PACKAGE"

# Package-level state: `py` holds the imported Python module `kerasoptim`.
.kerasoptim <- new.env(parent = emptyenv())

.onLoad <- function(libname, pkgname) {
  env <- preferred_environment()
  if (!is.null(env)) {
    reticulate::use_virtualenv(env, required = FALSE)
  }
  setHook(keras_load_hook, register_with_keras)
  if (keras_imported()) {
    register_with_keras()
  }
}

.onUnload <- function(libpath) {
  hooks <- getHook(keras_load_hook)
  ours <- vapply(hooks, identical, logical(1), register_with_keras)
  setHook(keras_load_hook, hooks[!ours], "replace")
}
