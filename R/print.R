#' Format and print a kerasoptim optimizer
#'
#' Shows the optimizer's class and its configuration (from `get_config()`)
#' on a few lines, grouped as: the algorithm's hyperparameters, weight decay
#' and gradient clipping, the exponential moving average (EMA), and loss
#' scaling and gradient accumulation.
#'
#' @param x An optimizer made by [optimizer_adam()], [optimizer_adam_w()],
#'   [optimizer_adamax()] or [optimizer_lazy_adam()] (any instance of the
#'   Python class `kerasoptim.AdamFamily`).
#' @param width Maximum width of a line; longer groups wrap.
#' @param ... Ignored.
#'
#' @returns `format()` returns a character vector, one element per line.
#'   `print()` returns `x` invisibly.
#'
#' @name format.kerasoptim_optimizer
#' @keywords internal
#' @examplesIf kerasoptim::kerasoptim_available()
#' format(optimizer_adam())
#' print(optimizer_adamax(learning_rate = 0.002))
#' optimizer_lazy_adam()
NULL

#' @rdname format.kerasoptim_optimizer
#' @method format kerasoptim.AdamFamily
#' @export
format.kerasoptim.AdamFamily <- function(x, ..., width = getOption("width")) {
  if (reticulate::py_is_null_xptr(x)) {
    return("<kerasoptim optimizer: pointer to a Python object from a previous session>")
  }
  config <- x$get_config()
  class_name <- reticulate::py_get_attr(reticulate::py_get_attr(x, "__class__"), "__name__")
  class_name <- reticulate::py_to_r(class_name)

  groups <- list(
    NULL, # the algorithm's own hyperparameters: filled in below
    c("weight_decay", "clipnorm", "clipvalue", "global_clipnorm"),
    c("use_ema", "ema_momentum", "ema_overwrite_frequency"),
    c("loss_scale_factor", "gradient_accumulation_steps")
  )
  rest <- setdiff(names(config), c("name", unlist(groups)))
  groups[[1L]] <- c(intersect("learning_rate", rest), setdiff(rest, "learning_rate"))

  lines <- unlist(lapply(groups, function(keys) {
    keys <- intersect(keys, names(config))
    if (!length(keys)) {
      return(NULL)
    }
    fields <- paste0(keys, ": ", vapply(config[keys], format_config_value, ""))
    wrap_fields(fields, width = width - 2L)
  }))
  c(
    sprintf("<kerasoptim %s> name: %s", class_name, format_config_value(config$name)),
    paste0("  ", lines)
  )
}

#' @rdname format.kerasoptim_optimizer
#' @method print kerasoptim.AdamFamily
#' @export
print.kerasoptim.AdamFamily <- function(x, ...) {
  writeLines(format(x, ...))
  invisible(x)
}

# One config value, written as R would write it.
format_config_value <- function(value) {
  if (is.null(value)) {
    return("NULL")
  }
  if (inherits(value, "python.builtin.object")) {
    return(paste0("<", class(value)[[1L]], ">"))
  }
  if (is.list(value)) {
    # A serialised Keras object, e.g. a LearningRateSchedule.
    if (!is.null(value$class_name)) {
      return(paste0("<", value$class_name, ">"))
    }
    return("<list>")
  }
  if (is.character(value)) {
    return(encodeString(value, quote = "\""))
  }
  paste(format(value), collapse = ", ")
}

# Pack "key: value" fields into lines no wider than `width`.
wrap_fields <- function(fields, width) {
  lines <- character()
  current <- ""
  for (field in fields) {
    candidate <- if (nzchar(current)) paste0(current, ", ", field) else field
    if (nzchar(current) && nchar(candidate) > width) {
      lines <- c(lines, paste0(current, ","))
      current <- field
    } else {
      current <- candidate
    }
  }
  c(lines, current)
}
