factories <- c("optimizer_adam", "optimizer_adam_w", "optimizer_adamax",
               "optimizer_lazy_adam")

# R-side checks: R can tell these are wrong, so they fail before Python is
# touched (these tests need no Python). Each message names the argument, what
# is allowed and the value received.
r_side_errors <- list(
  # argument, R value (source), what is allowed, the value as shown
  list("learning_rate", "c(0.001, 0.01)", "a single number, a `LearningRateSchedule` or a function that takes no arguments", "c(0.001, 0.01)"),
  list("learning_rate", '"0.01"', "a single number", '"0.01"'),
  list("learning_rate", "NA", "a single number", "NA"),
  list("learning_rate", "NULL", "a single number", "NULL"),
  list("learning_rate", "function(step) 0.01", "a function that takes no arguments", "function(step)"),
  list("beta_1", "c(0.9, 0.99)", "a single number or a function that takes no arguments", "c(0.9, 0.99)"),
  list("beta_2", '"0.999"', "a single number or a function that takes no arguments", '"0.999"'),
  list("epsilon", "NULL", "a single number", "NULL"),
  list("epsilon", "NA_real_", "a single number", "NA_real_"),
  list("amsgrad", "NA", "`TRUE` or `FALSE`", "NA"),
  list("amsgrad", '"TRUE"', "`TRUE` or `FALSE`", '"TRUE"'),
  list("amsgrad", "c(TRUE, FALSE)", "`TRUE` or `FALSE`", "c(TRUE, FALSE)"),
  list("use_ema", "1", "`TRUE` or `FALSE`", "1"),
  list("weight_decay", '"0.01"', "a single number or `NULL`", '"0.01"'),
  list("clipnorm", "c(1, 2)", "a single number or `NULL`", "c(1, 2)"),
  list("clipvalue", "TRUE", "a single number or `NULL`", "TRUE"),
  list("global_clipnorm", "list(1)", "a single number or `NULL`", "list(1)"),
  list("ema_momentum", "NULL", "a single number", "NULL"),
  list("ema_overwrite_frequency", "2.5", "a single whole number or `NULL`", "2.5"),
  list("ema_overwrite_frequency", "Inf", "a single whole number or `NULL`", "Inf"),
  list("gradient_accumulation_steps", "1.5", "a single whole number or `NULL`", "1.5"),
  list("gradient_accumulation_steps", '"4"', "a single whole number or `NULL`", '"4"'),
  list("name", "1", "a single string or `NULL`", "1"),
  list("name", "NA_character_", "a single string or `NULL`", "NA_character_"),
  list("name", 'c("a", "b")', "a single string or `NULL`", 'c("a", "b")'),
  list("loss_scale_factor", '"128"', "a single number or `NULL`", '"128"')
)

for (fn in factories) {
  test_that(sprintf("%s() checks its arguments in R", fn), {
    arguments <- names(formals(getExportedValue("kerasoptim", fn)))
    n <- 0L
    for (case in r_side_errors) {
      if (!case[[1]] %in% arguments) next
      code <- sprintf("kerasoptim::%s(%s = %s)", fn, case[[1]], case[[2]])
      err <- expect_error(eval(parse(text = code)), class = "kerasoptim_arg_error",
                          label = code)
      expect_identical(
        conditionMessage(err),
        sprintf("Argument `%s` must be %s. Received: %s=%s", case[[1]],
                kerasoptim:::kind_allowed[[kerasoptim:::arg_kinds[[case[[1]]]]]],
                case[[1]], case[[4]]),
        label = code
      )
      expect_match(conditionMessage(err), case[[3]], fixed = TRUE)
      expect_identical(conditionCall(err), str2lang(code), label = code)
      n <- n + 1L
    }
    expect_gte(n, 20L)
  })

  test_that(sprintf("%s() stops on unnamed arguments in `...`", fn), {
    f <- getExportedValue("kerasoptim", fn)
    n_before_dots <- match("...", names(formals(f))) - 1L
    positional <- lapply(formals(f)[seq_len(n_before_dots)], eval)
    expect_error(
      do.call(f, c(positional, list(0.5))),
      "All arguments in `...` must be named. Received 1 unnamed argument: 0.5.",
      fixed = TRUE, class = "kerasoptim_arg_error"
    )
    expect_error(
      do.call(f, c(positional, list(1, decay = NULL, "x"))),
      'Received 2 unnamed arguments: 1, "x".',
      fixed = TRUE
    )
  })
}

test_that("the error's call is the user's call", {
  err <- expect_error(optimizer_adamax(beta_1 = "a"))
  expect_identical(conditionCall(err), quote(optimizer_adamax(beta_1 = "a")))
})

test_that("values in messages are short", {
  err <- expect_error(optimizer_adam(learning_rate = seq(0.01, 1, by = 0.01)))
  expect_lt(nchar(conditionMessage(err)), 200)
  expect_match(conditionMessage(err), "Received: learning_rate=c(0.01, 0.02", fixed = TRUE)
})

# Python-side checks: the value has the right type but Python finds it out
# of range. The R error carries Python's message (it names the argument with
# the same name and the value) without the traceback.
python_side_errors <- list(
  list("optimizer_adam(beta_1 = 1.5)", "Argument `beta_1` must be a number in [0, 1)", "Received: beta_1=1.5"),
  list("optimizer_adamax(beta_2 = -0.1)", "Argument `beta_2` must be a number in [0, 1)", "Received: beta_2=-0.1"),
  list("optimizer_adam(learning_rate = -1)", "Argument `learning_rate` must be a number in [0, 1e+06]", "Received: learning_rate=-1"),
  list("optimizer_adam_w(learning_rate = Inf)", "Argument `learning_rate` must be a number in [0, 1e+06]", "Received: learning_rate=inf"),
  list("optimizer_adam(epsilon = -1e-7)", "Argument `epsilon`", "Received: epsilon=-1e-07"),
  list("optimizer_adam_w(weight_decay = NULL)", "Argument `weight_decay` must be a float.", "Received: weight_decay=None"),
  list("optimizer_adamax(weight_decay = -1)", "Argument `weight_decay`", "Received: weight_decay=-1"),
  list("optimizer_adam(clipnorm = 1, clipvalue = 1)", "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set", "clipnorm=1"),
  list("optimizer_adam(use_ema = TRUE, ema_momentum = 2)", "Argument `ema_momentum` must be a number in [0, 1]", "Received: ema_momentum=2"),
  list("optimizer_adam_w(use_ema = TRUE, ema_overwrite_frequency = -1)", "`ema_overwrite_frequency` must be an integer >= 1 or None.", "Received: ema_overwrite_frequency=-1"),
  list("optimizer_adamax(gradient_accumulation_steps = 1)", "`gradient_accumulation_steps` must be an integer >= 2.", "Received: gradient_accumulation_steps=1"),
  list("optimizer_adam(foo = 1)", "Argument(s) not recognized", "'foo': 1")
)

test_that("errors from Python become R errors naming the argument and value", {
  skip_if_no_kerasoptim()
  for (case in python_side_errors) {
    code <- paste0("kerasoptim::", case[[1]])
    err <- expect_error(eval(parse(text = code)), class = "kerasoptim_python_error",
                        label = code)
    msg <- conditionMessage(err)
    expect_match(msg, case[[2]], fixed = TRUE, label = code)
    expect_match(msg, case[[3]], fixed = TRUE, label = code)
    # No exception type, traceback or reticulate hints.
    expect_no_match(msg, "Traceback|traceback|py_last_error|^[A-Za-z]+Error:", label = code)
    expect_false(grepl("\n", msg), label = code)
    expect_match(err$python_type, "Error$")
    expect_identical(conditionCall(err), str2lang(code), label = code)
  }
})
