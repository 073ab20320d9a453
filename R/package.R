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
#' @section Loading saved models:
#' A model saved with a kerasoptim optimizer (a `.keras` file) names the
#' optimizer's class as `kerasoptim>Adam` (`AdamW`, `Adamax`, `LazyAdam`),
#' which Keras finds only once the Python package kerasoptim is imported:
#' in R, once kerasoptim is loaded (`library(kerasoptim)`, or any
#' `kerasoptim::` call) in the session, before or after keras3 or Keras is
#' loaded, and before keras3's `load_model()` (or, without keras3,
#' `reticulate::import("keras")$models$load_model()`); in Python,
#' `import kerasoptim` before `keras.models.load_model()`. Without it Keras
#' says "Could not locate class 'AdamW'".
#'
#' @section keras3:
#' kerasoptim's optimizers go to keras3's `compile()` like keras3's own:
#' `model |> compile(optimizer = optimizer_adam_w(), loss = "mse")`, then
#' `fit()`, `save_model()` and `load_model()`. keras3 has its own
#' `optimizer_adam()`, `optimizer_adam_w()` and `optimizer_adamax()`: the
#' package attached last wins. Attach kerasoptim after keras3
#' (`library(keras3); library(kerasoptim)`), or call
#' `kerasoptim::optimizer_adam()`; attaching keras3 after kerasoptim gives a
#' message saying so.
"_PACKAGE"

# Package-level state: `py` holds the imported Python module `kerasoptim`.
.kerasoptim <- new.env(parent = emptyenv())

.onLoad <- function(libname, pkgname) {
  env <- preferred_environment()
  if (!is.null(env)) {
    reticulate::use_virtualenv(env, required = FALSE)
  }
  setHook(keras_load_hook, register_with_keras)
  setHook(keras3_attach_hook, note_keras3_masks)
  if (keras_imported()) {
    register_with_keras()
  }
}

.onUnload <- function(libpath) {
  for (hook in list(list(keras_load_hook, register_with_keras),
                    list(keras3_attach_hook, note_keras3_masks))) {
    hooks <- getHook(hook[[1L]])
    ours <- vapply(hooks, identical, logical(1), hook[[2L]])
    setHook(hook[[1L]], hooks[!ours], "replace")
  }
}

keras3_attach_hook <- packageEvent("keras3", "attach")

# Run when keras3 is attached: if kerasoptim was attached first, keras3's
# optimizer_*() now mask kerasoptim's; say so and how to choose.
note_keras3_masks <- function(pkgname = "keras3", pkgpath = NULL) {
  if (!"package:kerasoptim" %in% search()) {
    return(invisible())
  }
  masked <- intersect(getNamespaceExports(pkgname), getNamespaceExports("kerasoptim"))
  if (length(masked)) {
    packageStartupMessage(
      "keras3 was attached after kerasoptim: ",
      paste0(sort(masked), "()", collapse = ", "), " now call keras3's ",
      "optimizers. Call them as kerasoptim::", sort(masked)[[1L]], "(), or ",
      "attach kerasoptim last (library(keras3); library(kerasoptim))."
    )
  }
  invisible()
}
