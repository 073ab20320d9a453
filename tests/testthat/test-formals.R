# The R signatures, copied from the specification (issue 3). Parsing them as
# the formals of a function keeps the default expressions exactly as written.
specified_signatures <- c(
  optimizer_adam = 'learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07, amsgrad = FALSE, weight_decay = NULL, clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99, ema_overwrite_frequency = NULL, name = "adam", ..., loss_scale_factor = NULL, gradient_accumulation_steps = NULL',
  optimizer_adam_w = 'learning_rate = 0.001, weight_decay = 0.004, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07, amsgrad = FALSE, clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99, ema_overwrite_frequency = NULL, name = "adamw", ..., loss_scale_factor = NULL, gradient_accumulation_steps = NULL',
  optimizer_adamax = 'learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07, weight_decay = NULL, clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99, ema_overwrite_frequency = NULL, name = "adamax", ..., loss_scale_factor = NULL, gradient_accumulation_steps = NULL',
  optimizer_lazy_adam = 'learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07, amsgrad = FALSE, weight_decay = NULL, clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99, ema_overwrite_frequency = NULL, name = "lazy_adam", ..., loss_scale_factor = NULL, gradient_accumulation_steps = NULL'
)

specified_formals <- function(fn) {
  formals(eval(parse(text = sprintf("function(%s) NULL", specified_signatures[[fn]]))))
}

test_that("the exported optimizers are exactly the specified ones", {
  exported <- grep("^optimizer_", getNamespaceExports("kerasoptim"), value = TRUE)
  expect_setequal(exported, names(specified_signatures))
})

for (fn in names(specified_signatures)) {
  test_that(sprintf("formals(%s) are the specified signature", fn), {
    actual <- formals(getExportedValue("kerasoptim", fn))
    expected <- specified_formals(fn)
    expect_identical(names(actual), names(expected))
    expect_identical(actual, expected)
  })
}

test_that("the formals comparison can fail", {
  changed <- specified_formals("optimizer_adam")
  changed$epsilon <- 1e-08
  expect_false(identical(formals(optimizer_adam), changed))
  reordered <- specified_formals("optimizer_adam")[c(2, 1, 3:16)]
  expect_false(identical(formals(optimizer_adam), reordered))
})

# The Python factories are the single source of truth: R has the same names
# in the same order with the same defaults, and R's `...` sits where Python's
# keyword-only marker `*` is (Python's `**kwargs` plays `...`).
python_signature <- function(fn) {
  reticulate::py_run_string(paste(
    "import inspect",
    "def _kerasoptim_signature(f):",
    "    return [dict(name=p.name, kind=p.kind.name,",
    "                 has_default=p.default is not p.empty,",
    "                 default=None if p.default is p.empty else",
    "                 str(p.default) if isinstance(p.default, str) else",
    "                 float(p.default) if isinstance(p.default, float) else",
    "                 p.default)",
    "            for p in inspect.signature(f).parameters.values()]",
    sep = "\n"
  ))
  main <- reticulate::import_main()
  main$`_kerasoptim_signature`(py_kerasoptim()[[fn]])
}

for (fn in names(specified_signatures)) {
  test_that(sprintf("formals(%s) match the Python factory's signature", fn), {
    skip_if_no_kerasoptim()
    params <- python_signature(fn)
    kinds <- vapply(params, `[[`, "", "kind")
    names <- vapply(params, `[[`, "", "name")

    # **kwargs last, and nothing positional-only or *args.
    expect_identical(kinds[[length(kinds)]], "VAR_KEYWORD")
    expect_false(any(kinds %in% c("POSITIONAL_ONLY", "VAR_POSITIONAL")))
    keep <- kinds != "VAR_KEYWORD"
    first_keyword_only <- match("KEYWORD_ONLY", kinds)
    expect_false(is.na(first_keyword_only))
    expect_true(all(kinds[keep][seq_len(first_keyword_only - 1L)] == "POSITIONAL_OR_KEYWORD"))
    expect_true(all(kinds[keep][-seq_len(first_keyword_only - 1L)] == "KEYWORD_ONLY"))

    r_formals <- formals(getExportedValue("kerasoptim", fn))
    python_names <- append(names[keep], "...", after = first_keyword_only - 1L)
    expect_identical(names(r_formals), python_names)

    expect_true(all(vapply(params[keep], `[[`, TRUE, "has_default")))
    python_defaults <- lapply(params[keep], `[[`, "default")
    names(python_defaults) <- names[keep]
    r_defaults <- lapply(as.list(r_formals)[names(r_formals) != "..."], eval)
    expect_identical(r_defaults, python_defaults)
  })
}
