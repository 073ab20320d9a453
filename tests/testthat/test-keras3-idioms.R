# keras3's idioms with kerasoptim's optimizers, as the help pages, the README
# and the articles show them: compile(), fit() on R matrices, save_model() and
# load_model(). Run by the keras3 suite (tools/run-keras3-suite.sh); skipped
# where keras3 is not installed.

# The Python class's own name (its module path is the package's business).
py_class_name <- function(x) {
  reticulate::py_to_r(reticulate::py_get_attr(
    reticulate::py_get_attr(x, "__class__"), "__name__"))
}

keras3_model <- function(optimizer) {
  keras3::set_random_seed(1)
  model <- keras3::keras_model_sequential(input_shape = 4) |>
    keras3::layer_dense(8, activation = "relu") |>
    keras3::layer_dense(1)
  model |> keras3::compile(optimizer = optimizer, loss = "mse")
  model
}

test_that("keras3's compile() and fit() train with each kerasoptim optimizer", {
  skip_if_no_kerasoptim()
  skip_if_no_keras3()
  set.seed(0)
  x <- matrix(rnorm(64 * 4), ncol = 4)
  y <- x %*% c(1, -2, 0.5, 3)
  factories <- list(Adam = optimizer_adam, AdamW = optimizer_adam_w,
                    Adamax = optimizer_adamax, LazyAdam = optimizer_lazy_adam)
  for (class_name in names(factories)) {
    model <- keras3_model(factories[[class_name]](learning_rate = 0.01))
    expect_identical(py_class_name(model$optimizer), class_name)
    expect_s3_class(model$optimizer, "kerasoptim.AdamFamily")
    history <- model |> keras3::fit(x, y, epochs = 3, batch_size = 16,
                                    shuffle = FALSE, verbose = 0)
    loss <- history$metrics$loss
    expect_length(loss, 3L)
    expect_true(all(is.finite(loss)))
    expect_lt(loss[[3]], loss[[1]])
    expect_identical(as.integer(model$optimizer$iterations$numpy()), 12L)
  }
})

test_that("keras3's save_model() and load_model() keep a kerasoptim optimizer", {
  skip_if_no_kerasoptim()
  skip_if_no_keras3()
  set.seed(0)
  x <- matrix(rnorm(32 * 4), ncol = 4)
  model <- keras3_model(optimizer_adam_w(learning_rate = 0.01, weight_decay = 0.01))
  model |> keras3::fit(x, x %*% c(1, -2, 0.5, 3), epochs = 2, batch_size = 16,
                       verbose = 0)
  path <- tempfile(fileext = ".keras")
  on.exit(unlink(path))
  keras3::save_model(model, path)
  restored <- keras3::load_model(path)
  expect_identical(py_class_name(restored$optimizer), "AdamW")
  expect_identical(as.integer(restored$optimizer$iterations$numpy()), 4L)
  expect_equal(restored$optimizer$get_config()$weight_decay, 0.01)
})

test_that("keras3's learning-rate schedules and variables go to kerasoptim", {
  skip_if_no_kerasoptim()
  skip_if_no_keras3()
  schedule <- keras3::learning_rate_schedule_exponential_decay(
    initial_learning_rate = 0.01, decay_steps = 100, decay_rate = 0.9
  )
  opt <- optimizer_adam_w(learning_rate = schedule)
  expect_identical(py_class_name(opt), "AdamW")
  beta <- keras3::keras_variable(0.8)
  opt <- optimizer_adam(beta_1 = beta)
  expect_identical(py_class_name(opt), "Adam")
})
