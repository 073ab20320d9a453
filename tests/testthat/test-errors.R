factories <- c("optimizer_adam", "optimizer_adam_w", "optimizer_adamax",
               "optimizer_lazy_adam")

# Python's words, which no error of an R call may carry.
python_words <- "\\b(None|True|False)\\b|\\{'|keyword argument|Traceback|Error:"

# Bad arguments from R: the argument, the R value (source), the same value
# in Python (source; NA where only R can tell, e.g. R's NA), the value as the
# message shows it (if not its deparse()), and the factories it is bad for
# (if not all). R catches what R alone can see (type, length, NA), Python
# the rest; either way the message is one text per argument (arg_rules,
# generated from Python's table) in R's words.
bad <- function(arg, r, py, shown = NULL, only = NULL) {
  list(arg = arg, r = r, py = py, shown = shown, only = only)
}
bad_args <- list(
  bad("learning_rate", "c(0.001, 0.01)", "[0.001, 0.01]"),
  bad("learning_rate", '"0.01"', "'0.01'"),
  bad("learning_rate", "NA", NA),
  bad("learning_rate", "NULL", "None"),
  bad("learning_rate", "function(step) 0.01", "lambda step: 0.01", "function(step)"),
  bad("learning_rate", "-1", "-1.0"),
  bad("learning_rate", "Inf", "float('inf')"),
  bad("beta_1", "c(0.9, 0.99)", "[0.9, 0.99]"),
  bad("beta_1", "1.5", "1.5"),
  bad("beta_2", '"0.999"', "'0.999'"),
  bad("beta_2", "-0.1", "-0.1"),
  bad("epsilon", "NULL", "None"),
  bad("epsilon", "NA_real_", "float('nan')"),
  bad("epsilon", "0", "0.0"),
  bad("epsilon", "1e+07", "1e7"),
  bad("amsgrad", "NA", NA),
  bad("amsgrad", '"TRUE"', "'TRUE'"),
  bad("amsgrad", "c(TRUE, FALSE)", "[True, False]"),
  bad("use_ema", "1", "1.0"),
  bad("weight_decay", '"0.01"', "'0.01'"),
  bad("weight_decay", "-1", "-1.0"),
  bad("weight_decay", "NULL", "None", only = "optimizer_adam_w"),
  bad("clipnorm", "c(1, 2)", "[1.0, 2.0]"),
  bad("clipnorm", "-1", "-1.0"),
  bad("clipvalue", "TRUE", "True"),
  bad("global_clipnorm", "list(1)", "[1.0]"),
  bad("global_clipnorm", "1e+300", "1e300"),
  bad("ema_momentum", "NULL", "None"),
  bad("ema_momentum", "2", "2.0"),
  bad("ema_overwrite_frequency", "2.5", "2.5"),
  bad("ema_overwrite_frequency", "Inf", "float('inf')"),
  bad("ema_overwrite_frequency", "-1", "-1"),
  bad("gradient_accumulation_steps", "1.5", "1.5"),
  bad("gradient_accumulation_steps", '"4"', "'4'"),
  bad("gradient_accumulation_steps", "1", "1"),
  bad("name", "1", "1.0"),
  bad("name", "NA_character_", NA),
  bad("name", 'c("a", "b")', "['a', 'b']"),
  bad("loss_scale_factor", '"128"', "'128'"),
  bad("loss_scale_factor", "0", "0.0")
)

# The cases of `bad_args` for factory `fn`, with R's verdict on each (caught
# by R's own checks, or left to Python).
cases_for <- function(fn) {
  rules <- kerasoptim:::arg_rules[[fn]]
  cases <- Filter(function(case) case$arg %in% names(rules) &&
                    (is.null(case$only) || fn %in% case$only), bad_args)
  lapply(cases, function(case) {
    value <- eval(str2lang(case$r))
    case$in_r <- tryCatch({
      kerasoptim:::check_arg(value, case$arg, rules[[case$arg]])
      FALSE
    }, kerasoptim_arg_error = function(e) TRUE)
    case
  })
}

# Run a case from R; check the message, whichever side caught it, against
# the argument's one text; returns the message.
expect_r_words <- function(fn, case) {
  code <- sprintf("kerasoptim::%s(%s = %s)", fn, case$arg, case$r)
  err <- expect_error(eval(str2lang(code)), class = "kerasoptim_error", label = code)
  msg <- conditionMessage(err)
  shown <- case$shown %||% deparse1(eval(str2lang(case$r)))
  expect_identical(msg, sprintf("Argument `%s` must be %s. Received: %s=%s", case$arg,
                                kerasoptim:::arg_rules[[fn]][[case$arg]]$allowed,
                                case$arg, shown), label = code)
  expect_no_match(msg, python_words, perl = TRUE, label = code)
  expect_false(grepl("\n", msg), label = code)
  expect_identical(conditionCall(err), str2lang(code), label = code)
  expect_s3_class(err, if (case$in_r) "kerasoptim_arg_error" else "kerasoptim_python_error")
  msg
}
`%||%` <- function(x, y) if (is.null(x)) y else x

for (fn in factories) {
  test_that(sprintf("%s() checks in R what R alone can see, in Python's words", fn), {
    cases <- Filter(function(case) case$in_r, cases_for(fn))
    for (case in cases) {
      expect_r_words(fn, case)
    }
    expect_gte(length(cases), 15L)
  })

  test_that(sprintf("%s(): Python's verdict on each value, in R's words", fn), {
    skip_if_no_kerasoptim()
    for (case in cases_for(fn)) {
      msg <- expect_r_words(fn, case)
      if (is.na(case$py)) next  # R's NA: Python cannot see it
      # The Python factory, called as R calls it, given the value: the same
      # verdict, the same words.
      value <- reticulate::py_eval(case$py, convert = FALSE)
      py_err <- expect_error(
        kerasoptim:::call_python_factory(fn, setNames(list(value), case$arg)),
        class = "kerasoptim_python_error", label = case$py
      )
      expect_identical(sub(" Received: .*", "", conditionMessage(py_err)),
                       sub(" Received: .*", "", msg), label = case$py)
      expect_match(conditionMessage(py_err), sprintf("Received: %s=", case$arg),
                   fixed = TRUE)
    }
  })

  test_that(sprintf("%s(): named arguments in `...` are checked in R's words", fn), {
    skip_if_no_kerasoptim()
    f <- getExportedValue("kerasoptim", fn)
    expect_error(f(fused = "maybe"), class = "kerasoptim_python_error", fixed = TRUE,
                 'Argument `fused` must be `TRUE`, `FALSE` or `NULL`. Received: fused="maybe"')
    expect_error(f(moment_dtype = "float64"), class = "kerasoptim_python_error", fixed = TRUE,
                 paste0('Argument `moment_dtype` must be "bfloat16", "float16", "float32" ',
                        'or `NULL`. Received: moment_dtype="float64"'))
    expect_identical(f(moment_dtype = "bfloat16")$moment_dtype, "bfloat16")
    extras <- py_kerasoptim()$AdamFamily$`_extra_kwargs`
    expect_error(f(foo = 1, bar = NULL), class = "kerasoptim_python_error", fixed = TRUE,
                 sprintf(paste0("Argument(s) not recognized by %s(): `foo`, `bar`. Its named ",
                                "arguments in `...` are: %s. Received: foo=1, bar=NULL"),
                         fn, paste0("`", unlist(extras), "`", collapse = ", ")))
    expect_error(f(clipnorm = 1, clipvalue = 0.5), class = "kerasoptim_python_error",
                 fixed = TRUE, paste0("Only one of `clipnorm`, `clipvalue` and ",
                                      "`global_clipnorm` can be set. Received: ",
                                      "clipnorm=1, clipvalue=0.5"))
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
  expect_lte(nchar(sub(".*Received: learning_rate=", "", conditionMessage(err))), 60)
  expect_match(conditionMessage(err), "Received: learning_rate=c(0.01, 0.02", fixed = TRUE)
})
