# kerasoptim demo, R side: train the same small iris classifier with
# optimizer_adam(), optimizer_adam_w() and optimizer_adamax(), showing Keras'
# progress output, and write the per-epoch history to a CSV file.
# Usage: Rscript demo.R OUTPUT_CSV
library(kerasoptim)

keras <- reticulate::import("keras")
np <- reticulate::import("numpy", convert = FALSE)
output <- commandArgs(trailingOnly = TRUE)[1]

# Debian's reticulate 1.28 predates NumPy 2 and cannot convert R matrices to
# NumPy 2 arrays; rows as plain lists convert without NumPy's C API.
# (With reticulate >= 1.36, np$array(features) works directly.)
as_array <- function(m, dtype) {
  np$array(unname(split(m, row(m))), dtype = dtype)
}
features <- scale(as.matrix(iris[, 1:4]))
labels <- as.integer(iris$Species) - 1L
x <- as_array(features, "float32")
y <- np$array(as.list(labels), dtype = "int32")

train <- function(optimizer) {
  keras$utils$set_random_seed(42L)
  model <- keras$Sequential(list(
    keras$Input(shape = list(4L)),
    keras$layers$Dense(16L, activation = "relu"),
    keras$layers$Dense(3L, activation = "softmax")
  ))
  model$compile(optimizer = optimizer, loss = "sparse_categorical_crossentropy",
                metrics = list("accuracy"))
  seconds <- system.time(
    history <- model$fit(x, y, epochs = 30L, batch_size = 16L,
                         shuffle = FALSE, verbose = 2L)
  )[["elapsed"]]
  data.frame(epoch = seq_along(history$history$loss),
             loss = unlist(history$history$loss),
             accuracy = unlist(history$history$accuracy),
             seconds = seconds)
}

optimizers <- list(
  adam = optimizer_adam(learning_rate = 0.01),
  adamw = optimizer_adam_w(learning_rate = 0.01),
  adamax = optimizer_adamax(learning_rate = 0.02)
)
results <- do.call(rbind, lapply(names(optimizers), function(name) {
  cat(sprintf("\n== R: %s\n", name))
  print(optimizers[[name]])
  cbind(language = "R", optimizer = name, train(optimizers[[name]]))
}))
write.csv(results, output, row.names = FALSE)
