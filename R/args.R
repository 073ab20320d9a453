# One code path from every exported optimizer_*() to its Python factory:
# check the arguments in R, convert them, call the factory, and turn a Python
# exception into an R error.

# Call the Python factory `fun` with the arguments of the R wrapper that called
# call_factory() (read from `env`, in the wrapper's formals() order) and the
# named extras in `dots`.
call_factory <- function(fun, env, dots) {
  wrapper <- sys.function(sys.parent())
  call <- sys.call(sys.parent())
  names <- setdiff(names(formals(wrapper)), "...")
  args <- mget(names, envir = env)
  for (arg in names) {
    args[arg] <- list(check_arg(args[[arg]], arg, arg_rules[[fun]][[arg]], call))
  }
  # A name the user gives is used as given; without one, Python makes the
  # default name unique (`adam`, `adam_1`, ...), as keras3 leaves it to Keras.
  if (eval(quote(missing(name)), env)) {
    args["name"] <- list(NULL)
  }
  # `lr` (TF2's name for `learning_rate`) stands in for a learning rate the
  # user did not give: it is left out, so Python's default gives way to `lr`.
  if ("lr" %in% names(dots) && eval(quote(missing(learning_rate)), env)) {
    args["learning_rate"] <- NULL
  }
  call_python_factory(fun, c(args, check_dots(dots, call)), call)
}

# Call the Python factory `fun` with `kwargs` (R values) so that its errors
# speak R (kerasoptim._words.call_from_r), as R errors.
call_python_factory <- function(fun, kwargs, call = NULL) {
  module <- kerasoptim_module(call = call)
  kwargs <- lapply(kwargs, as_python_callable)
  from_r <- module$`_words`$call_from_r
  with_python_errors(do.call(from_r, c(list(module[[fun]]), kwargs)), call)
}

# What R alone can see, checked before Python is touched: one value of the
# right type (`rule` from arg_rules, generated from Python's table, whose
# words the error uses). Python objects (tensors, schedules, Python
# callables) always go through: only Python can tell whether they are valid.
check_arg <- function(x, arg, rule, call = NULL) {
  if (inherits(x, "python.builtin.object") || (is.null(x) && rule$null)) {
    return(x)
  }
  value <- switch(rule$kind,
    rate = ,
    beta = if (is_function0(x)) x else as_number(x),
    number = as_number(x),
    flag = if (is.logical(x) && length(x) == 1L && !is.na(x)) x,
    count = as_count(x),
    name = if (is.character(x) && length(x) == 1L && !is.na(x)) x,
    stop("Internal error: no check for argument `", arg, "`.", call. = FALSE)
  )
  if (is.null(value)) {
    stop_arg(arg, x, rule$allowed, call)
  }
  value
}

# A single non-missing number as a double (so `1L` is a float in Python), or
# NULL when `x` is not one (a 1 x 1 matrix is an array in Python: not one).
as_number <- function(x) {
  if (is.numeric(x) && length(x) == 1L && is.null(dim(x)) && !is.na(x)) {
    as.double(x)
  }
}

# A single whole number as an integer (Python int), or NULL.
as_count <- function(x) {
  x <- as_number(x)
  if (!is.null(x) && is.finite(x) && x == trunc(x) &&
      abs(x) <= .Machine$integer.max) {
    as.integer(x)
  }
}

# A function that can be called with no arguments: every formal has a
# default or is `...` (keras3 accepts `function(...) x` as a learning rate).
is_function0 <- function(x) {
  if (!is.function(x)) {
    return(FALSE)
  }
  fmls <- formals(args(x))
  required <- vapply(fmls, function(f) identical(f, quote(expr = )), TRUE)
  all(!required | names(fmls) == "...")
}

check_dots <- function(dots, call = NULL) {
  nms <- names(dots)
  if (is.null(nms)) nms <- rep("", length(dots))
  unnamed <- which(is.na(nms) | !nzchar(nms))
  if (length(unnamed)) {
    values <- vapply(dots[unnamed], describe_value, character(1))
    stop(errorCondition(
      sprintf(
        "All arguments in `...` must be named. Received %d unnamed argument%s: %s.",
        length(unnamed), if (length(unnamed) == 1L) "" else "s",
        paste(values, collapse = ", ")
      ),
      class = c("kerasoptim_arg_error", "kerasoptim_error"),
      call = call
    ))
  }
  dots
}

stop_arg <- function(arg, x, allowed, call = NULL) {
  stop(errorCondition(
    sprintf("Argument `%s` must be %s. Received: %s=%s", arg, allowed, arg,
            describe_value(x)),
    class = c("kerasoptim_arg_error", "kerasoptim_error"),
    call = call,
    arg = arg
  ))
}

# A short R rendering of a value for error messages.
describe_value <- function(x, width = 60L) {
  if (is.null(x)) {
    return("NULL")
  }
  if (inherits(x, "python.builtin.object")) {
    return(paste0("<", class(x)[[1L]], ">"))
  }
  if (is.function(x)) {
    return(paste0("function(", paste(names(formals(args(x))), collapse = ", "), ")"))
  }
  if (!is.atomic(x) && !is.list(x)) {
    return(paste0("<", class(x)[[1L]], ">"))
  }
  text <- deparse1(x, collapse = " ")
  if (nchar(text) > width) {
    text <- paste0(substr(text, 1L, width - 3L), "...")
  }
  text
}

# R functions become Python functions with their signature, so Python sees
# a zero-argument callable rather than `(*args, **kwargs)`; one callable with
# no arguments (`function(...)`, defaults) is sent as exactly that.
as_python_callable <- function(x) {
  if (!is.function(x) || inherits(x, "python.builtin.object")) {
    return(x)
  }
  if (is_function0(x)) {
    fn <- x
    x <- function() fn()
  }
  reticulate::py_func(x)
}

# Evaluate `expr`; a Python exception becomes an R error whose message is the
# Python message (which names the argument and the value) without the
# exception type, traceback or reticulate hints.
with_python_errors <- function(expr, call = NULL) {
  tryCatch(expr, error = function(e) {
    if (inherits(e, "kerasoptim_error")) {
      stop(e)
    }
    msg <- conditionMessage(e)
    type <- regmatches(msg, regexpr("^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception)(?=: )",
                                    msg, perl = TRUE))
    stop(errorCondition(
      strip_python_noise(msg),
      class = c("kerasoptim_python_error", "kerasoptim_error"),
      call = call,
      python_type = if (length(type)) type else NA_character_
    ))
  })
}

strip_python_noise <- function(msg) {
  # Traceback sections, as reticulate 1.28 and later versions write them.
  msg <- sub("(?s)\n+(Detailed traceback|Traceback \\(most recent call last\\)|Detected Python configuration|\u2500\u2500 R Traceback).*$",
             "", msg, perl = TRUE)
  lines <- strsplit(msg, "\n", fixed = TRUE)[[1L]]
  lines <- lines[!grepl("reticulate::py_last_error\\(\\)", lines)]
  msg <- paste(lines, collapse = "\n")
  msg <- sub("^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception): ", "", msg, perl = TRUE)
  trimws(msg)
}
