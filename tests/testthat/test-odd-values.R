# The R wrappers give the same verdict as the Python table
# (kerasoptim._args.RULES) for 46 odd R values of every argument: a value R
# refuses, Python refuses too in the form reticulate would send it, and a
# value R accepts is accepted by Python with the same meaning. Python's own
# test of the table is tests/python/test_odd_values.py.
odd_values <- list(
  str = "0.1", empty_str = "", chr0 = character(0), vec = c(0.1, 0.2),
  num0 = numeric(0), list = list(0.1), null = NULL, true = TRUE,
  false = FALSE, na = NA, na_real = NA_real_, na_int = NA_integer_,
  nan = NaN, inf = Inf, neg_inf = -Inf, zero = 0, zero_int = 0L,
  neg_zero = -0, one = 1, one_int = 1L, two = 2, two_int = 2L,
  three = 3, half = 0.5, tenth = 0.1, non_whole = 2.5, neg = -0.1,
  neg_one_int = -1L, tiny = 1e-45, small = 1e-7, big = 1e6, huge = 1e20,
  e308 = 1e308, pow63 = 2^63, int_max = .Machine$integer.max,
  int_max_plus = 2^31, complex = 1i, matrix = matrix(0.5),
  factor = factor("a"), fun0 = function() 0.5,
  fun_dots = function(...) 0.5, fun_default = function(x = 1) 0.5,
  fun_arg = function(x) 0.5, date = as.Date("2020-01-01"), raw = as.raw(1)
)

# Where reticulate's conversion changes what a value is, R refuses what
# Python would accept in converted form: a logical NA arrives as True, a
# factor as its label. These are the only differences, and R is right.
r_only_refusals <- c("amsgrad = <na>", "use_ema = <na>", "name = <factor>")

r_verdict <- function(argument, value) {
  args <- stats::setNames(list(value), argument)
  if (startsWith(argument, "ema_")) args$use_ema <- TRUE
  tryCatch({
    do.call(optimizer_adam, args)
    "accepted"
  }, kerasoptim_error = function(e) {
    if (!grepl(sprintf("`%s`", argument), conditionMessage(e), fixed = TRUE)) {
      stop("error does not name `", argument, "`: ", conditionMessage(e))
    }
    "refused"
  })
}

python_verdict <- function(argument, value) {
  check <- reticulate::import("kerasoptim._args")$check
  sent <- as_python_callable(value)  # as the wrappers send functions
  tryCatch({
    check(argument, sent)
    "accepted"
  }, error = function(e) "refused")
}

test_that("the odd-values table is large enough", {
  expect_gte(length(odd_values), 40L)
})

arguments <- setdiff(names(formals(optimizer_adam)), "...")
for (argument in arguments) {
  test_that(sprintf("R and Python agree on odd values of `%s`", argument), {
    skip_if_no_kerasoptim()
    for (label in names(odd_values)) {
      value <- odd_values[[label]]
      case <- sprintf("%s = <%s>", argument, label)
      expected <- if (case %in% r_only_refusals) "refused" else
        python_verdict(argument, value)
      expect_identical(r_verdict(argument, value), expected, label = case)
    }
  })
}

test_that("two optimizer_adam() calls have different names", {
  skip_if_no_kerasoptim()
  expect_false(identical(optimizer_adam()$name, optimizer_adam()$name))
  expect_identical(optimizer_adam(name = "mine")$name, "mine")
  expect_identical(optimizer_adam(name = "adam")$name, "adam")  # as given
})

test_that("keras3's forms are accepted: 0, integers, function(...)", {
  skip_if_no_kerasoptim()
  expect_identical(optimizer_adam(learning_rate = 0)$get_config()$learning_rate, 0)
  opt <- optimizer_adam(learning_rate = function(...) 0.25, clipnorm = 0,
                        gradient_accumulation_steps = 0L)
  expect_null(opt$clipnorm)
  expect_null(opt$gradient_accumulation_steps)
})
