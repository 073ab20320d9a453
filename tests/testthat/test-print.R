test_that("format() shows the class and the configuration on a few lines", {
  skip_if_no_kerasoptim()
  lines <- format(optimizer_adam(learning_rate = 0.01, clipnorm = 1))
  expect_type(lines, "character")
  expect_lte(length(lines), 6L)
  expect_match(lines[[1]], '^<kerasoptim Adam> name: "adam(_[0-9]+)?"$')
  text <- paste(lines, collapse = "\n")
  expect_match(text, "beta_1: 0.9, beta_2: 0.999, epsilon: 1e-07", fixed = TRUE)
  expect_match(text, "learning_rate: 0.01", fixed = TRUE)
  expect_match(text, "amsgrad: FALSE", fixed = TRUE)
  expect_match(text, "clipnorm: 1, clipvalue: NULL", fixed = TRUE)
  expect_match(text, "gradient_accumulation_steps: NULL", fixed = TRUE)
  expect_no_match(text, "object at 0x", fixed = TRUE)
  expect_true(all(nchar(lines) <= getOption("width")))
})

test_that("each optimizer prints its own class and arguments", {
  skip_if_no_kerasoptim()
  expect_output(print(optimizer_adam_w()), '^<kerasoptim AdamW> name: "adamw(_[0-9]+)?"\n')
  expect_output(print(optimizer_adam_w()), "weight_decay: 0.004")
  expect_output(print(optimizer_adamax(name = "mine")), '^<kerasoptim Adamax> name: "mine"\n')
  expect_output(print(optimizer_adamax(use_ema = TRUE, ema_overwrite_frequency = 4)),
                "use_ema: TRUE, ema_momentum: 0.99, ema_overwrite_frequency: 4", fixed = TRUE)
  opt <- optimizer_adam()
  output <- capture.output(printed <- withVisible(print(opt)))
  expect_false(printed$visible)
  expect_identical(printed$value, opt)
  expect_identical(output, format(opt))
})

test_that("schedules and functions print as such", {
  skip_if_no_kerasoptim()
  keras <- reticulate::import("keras")
  schedule <- keras$optimizers$schedules$ExponentialDecay(0.01, 10L, 0.9)
  expect_match(format(optimizer_adam(learning_rate = schedule))[[2]],
               "learning_rate: <ExponentialDecay>", fixed = TRUE)
  expect_output(print(optimizer_adam(learning_rate = function() 0.01)), "learning_rate: ")
})

test_that("format() wraps long groups to the width", {
  skip_if_no_kerasoptim()
  lines <- format(optimizer_adam(), width = 40)
  expect_gt(length(lines), 5L)
  expect_true(all(nchar(lines) <= 40))
})

test_that("every optimizer prints, LazyAdam too, by the public base class", {
  skip_if_no_kerasoptim()
  expect_output(print(optimizer_lazy_adam(amsgrad = TRUE)),
                '^<kerasoptim LazyAdam> name: "lazy_adam(_[0-9]+)?"\n.*amsgrad: TRUE')
  expect_true("print.kerasoptim.AdamFamily" %in%
                as.character(utils::methods(class = "kerasoptim.AdamFamily")))
})
