# An optimizer built from R has the same get_config() as the one built by the
# Python factory from the equivalent Python arguments. Each case is written
# twice, as R source and as Python source, so the comparison does not depend
# on how reticulate converts values.
config_cases <- list(
  # argument               R                                   Python
  list("learning_rate",    "0.01",                             "0.01"),
  list("learning_rate",    "1L",                               "1.0"),
  list("learning_rate",
       "keras$optimizers$schedules$ExponentialDecay(0.01, 10L, 0.9)",
       "keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)"),
  list("weight_decay",     "0.01",                             "0.01"),
  list("weight_decay",     "NULL",                             "None"),
  list("beta_1",           "0.8",                              "0.8"),
  list("beta_1",           "0",                                "0.0"),
  list("beta_2",           "0.99",                             "0.99"),
  list("epsilon",          "1e-05",                            "1e-05"),
  list("amsgrad",          "TRUE",                             "True"),
  list("clipnorm",         "1",                                "1.0"),
  list("clipnorm",         "NULL",                             "None"),
  list("clipvalue",        "0.5",                              "0.5"),
  list("global_clipnorm",  "2",                                "2.0"),
  list("use_ema",          "TRUE",                             "True"),
  list("ema_momentum",     "0.9",                              "0.9"),
  list("ema_overwrite_frequency", "5",                         "5"),
  list("ema_overwrite_frequency", "NULL",                      "None"),
  list("name",             '"my_optimizer"',                   "'my_optimizer'"),
  list("loss_scale_factor", "128",                             "128.0"),
  list("gradient_accumulation_steps", "4",                     "4"),
  list("gradient_accumulation_steps", "4L",                    "4")
)

# Several arguments at once, and named `...` extras.
combined_cases <- list(
  list("use_ema = TRUE, ema_momentum = 0.9, ema_overwrite_frequency = 10",
       "use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=10"),
  list("0.02, name = \"positional\"",
       "0.02, name='positional'"),
  list("learning_rate = 0.005, clipvalue = 1, gradient_accumulation_steps = 2, loss_scale_factor = 2",
       "learning_rate=0.005, clipvalue=1.0, gradient_accumulation_steps=2, loss_scale_factor=2.0"),
  list("decay = NULL", "decay=None")
)

optimizer_configs <- function(fn, r_args, py_args) {
  keras <- reticulate::import("keras")
  r_call <- sprintf("kerasoptim::%s(%s)", fn, r_args)
  r_opt <- eval(parse(text = r_call), envir = list(keras = keras))
  py_opt <- py_eval_kerasoptim(sprintf("kerasoptim.%s(%s)", fn, py_args))
  list(
    r = without_unique_suffix(r_opt$get_config()),
    py = without_unique_suffix(reticulate::py_to_r(py_opt$get_config()))
  )
}

# Default names are made unique (`adam`, `adam_1`, ...): compare the name
# without the counter.
without_unique_suffix <- function(config) {
  config$name <- sub("_[0-9]+$", "", config$name)
  config
}

factories <- c("optimizer_adam", "optimizer_adam_w", "optimizer_adamax",
               "optimizer_lazy_adam")

for (fn in factories) {
  test_that(sprintf("%s() with its defaults has the Python factory's config", fn), {
    skip_if_no_kerasoptim()
    configs <- optimizer_configs(fn, "", "")
    expect_identical(configs$r, configs$py)
    expect_identical(configs$r$learning_rate, 0.0010000000474974513) # float32
  })

  test_that(sprintf("%s() passes each argument like the Python factory", fn), {
    skip_if_no_kerasoptim()
    arguments <- names(formals(getExportedValue("kerasoptim", fn)))
    defaults <- optimizer_configs(fn, "", "")$r
    for (case in config_cases) {
      if (!case[[1]] %in% arguments) next
      r_args <- sprintf("%s = %s", case[[1]], case[[2]])
      py_args <- sprintf("%s=%s", case[[1]], case[[3]])
      if (fn == "optimizer_adam_w" && r_args == "weight_decay = NULL") next
      configs <- optimizer_configs(fn, r_args, py_args)
      expect_identical(configs$r, configs$py, label = sprintf("%s(%s)", fn, r_args))
      # A non-default value shows in the config (so the comparison can fail).
      if (!identical(case[[2]], deparse(formals(getExportedValue("kerasoptim", fn))[[case[[1]]]]))) {
        expect_false(identical(configs$r, defaults), label = sprintf("%s(%s)", fn, r_args))
      }
    }
    for (case in combined_cases) {
      configs <- optimizer_configs(fn, case[[1]], case[[2]])
      expect_identical(configs$r, configs$py, label = sprintf("%s(%s)", fn, case[[1]]))
    }
  })
}

test_that("NULL reaches Python as None, and whole numbers as integers", {
  skip_if_no_kerasoptim()
  opt <- optimizer_adam(
    clipnorm = NULL, use_ema = TRUE, ema_overwrite_frequency = 3,
    gradient_accumulation_steps = 2
  )
  builtins <- reticulate::import_builtins(convert = FALSE)
  type_name <- function(attr) {
    value <- reticulate::py_get_attr(opt, attr)
    reticulate::py_to_r(builtins$type(value)$`__name__`)
  }
  expect_identical(type_name("clipnorm"), "NoneType")
  expect_identical(type_name("use_ema"), "bool")
  expect_identical(type_name("ema_overwrite_frequency"), "int")
  expect_identical(type_name("gradient_accumulation_steps"), "int")
})

test_that("the optimizer is the Python class of the factory", {
  skip_if_no_kerasoptim()
  expect_s3_class(optimizer_adam(), "kerasoptim.adam.Adam")
  # The print() methods' class: public, whatever module defines it.
  for (opt in list(optimizer_adam_w(), optimizer_adamax(), optimizer_lazy_adam())) {
    expect_s3_class(opt, "kerasoptim.AdamFamily")
  }
  keras <- reticulate::import("keras")
  for (opt in list(optimizer_adam(), optimizer_adam_w(), optimizer_adamax())) {
    expect_true(reticulate::import_builtins()$isinstance(opt, keras$optimizers$Optimizer))
  }
})
