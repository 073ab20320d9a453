# One new R session of the install-routes suite (tools/run-install-suite.sh).
# Usage: Rscript session.R MODE DIR
#   save:   train with optimizer_adam_w(), save DIR/model.keras, train on as
#           if uninterrupted and write the weights to DIR/uninterrupted.txt
#   resume: load DIR/model.keras before any optimizer_*() call, train on and
#           write the weights to DIR/resumed.txt
#   train:  train with optimizer_adam() and print the backend
# Every mode prints the Python it used and the Keras backend.
args <- commandArgs(trailingOnly = TRUE)
mode <- args[[1]]
dir <- args[[2]]

library(kerasoptim)
keras <- reticulate::import("keras")
cat("python:", reticulate::py_config()$python, "\n")
cat("backend:", keras$backend$backend(), "\n")

# A small regression problem, passed as lists (reticulate 1.28 cannot convert
# R matrices to NumPy 2 arrays).
np <- reticulate::import("numpy", convert = FALSE)
set.seed(1)
x <- matrix(rnorm(64 * 4), ncol = 4)
y <- x %*% c(1, -2, 0.5, 3) + 0.1
x <- np$array(unname(split(x, row(x))), dtype = "float32")
y <- np$array(unname(split(y, row(y))), dtype = "float32")

fit <- function(model, epochs) {
  history <- model$fit(x, y, epochs = as.integer(epochs), batch_size = 16L,
                       shuffle = FALSE, verbose = 0L)
  unlist(history$history$loss)
}

# Every weight, written exactly (Python's repr of each float).
write_weights <- function(model, file) {
  main <- reticulate::py_run_string(paste(
    "def kerasoptim_flat_weights(model):",
    "    import numpy as np",
    "    return [repr(float(v)) for w in model.get_weights() for v in np.ravel(w)]",
    sep = "\n"
  ))
  writeLines(unlist(main$kerasoptim_flat_weights(model)), file)
}

new_model <- function(optimizer) {
  keras$utils$set_random_seed(1L)
  model <- keras$Sequential(list(
    keras$Input(shape = list(4L)),
    keras$layers$Dense(8L, activation = "relu"),
    keras$layers$Dense(1L)
  ))
  model$compile(optimizer = optimizer, loss = "mse")
  model
}

switch(mode,
  save = {
    model <- new_model(optimizer_adam_w(learning_rate = 0.01))
    fit(model, 2)
    model$save(file.path(dir, "model.keras"))
    fit(model, 2)
    write_weights(model, file.path(dir, "uninterrupted.txt"))
  },
  resume = {
    model <- keras$models$load_model(file.path(dir, "model.keras"))
    cat("optimizer:", class(model$optimizer)[[1]], "\n")
    fit(model, 2)
    write_weights(model, file.path(dir, "resumed.txt"))
  },
  train = {
    losses <- fit(new_model(optimizer_adam(learning_rate = 0.01)), 3)
    cat("loss fell:", losses[[3]] < losses[[1]], "\n")
  },
  stop("unknown mode: ", mode)
)
