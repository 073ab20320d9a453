train_cases <- list(
  # R optimizer (source), Python factory, Python kwargs
  list("optimizer_adam(learning_rate = 0.01)", "optimizer_adam", "{'learning_rate': 0.01}"),
  list("optimizer_adam(learning_rate = 0.01, amsgrad = TRUE)", "optimizer_adam", "{'learning_rate': 0.01, 'amsgrad': True}"),
  list("optimizer_adam_w(learning_rate = 0.01)", "optimizer_adam_w", "{'learning_rate': 0.01}"),
  list("optimizer_adamax(learning_rate = 0.01)", "optimizer_adamax", "{'learning_rate': 0.01}"),
  list("optimizer_lazy_adam(learning_rate = 0.01)", "optimizer_lazy_adam", "{'learning_rate': 0.01}"),
  list("optimizer_adamax(learning_rate = function() 0.01)", "optimizer_adamax", "{'learning_rate': lambda: 0.01}"),
  list("optimizer_adam(learning_rate = function() 0.02, beta_1 = function() 0.8)", "optimizer_adam", "{'learning_rate': lambda: 0.02, 'beta_1': lambda: 0.8}"),
  list("optimizer_adam_w(learning_rate = keras$optimizers$schedules$ExponentialDecay(0.02, 2L, 0.9))", "optimizer_adam_w", "{'learning_rate': keras.optimizers.schedules.ExponentialDecay(0.02, 2, 0.9)}")
)

for (case in train_cases) {
  test_that(sprintf("%s trains a Keras model as in Python", case[[1]]), {
    skip_if_no_kerasoptim()
    keras <- reticulate::import("keras")
    optimizer <- eval(parse(text = case[[1]]), envir = list(keras = keras))
    r_losses <- train_r(optimizer)
    expect_length(r_losses, 3L)
    expect_true(all(is.finite(r_losses)))
    expect_lt(r_losses[[3]], r_losses[[1]])
    py_losses <- train_python(case[[2]], case[[3]])
    expect_identical(r_losses, py_losses)
  })
}

test_that("the training comparison can tell optimizers apart", {
  skip_if_no_kerasoptim()
  expect_false(identical(
    train_r(optimizer_adam(learning_rate = 0.01)),
    train_python("optimizer_adam", "{'learning_rate': 0.02}")
  ))
})
