"""Python's words as an R user reads them: one mapping for the R help texts
(`tools/gen_r_docs.py`) and for the errors of calls that come from R.

The R wrappers call the factories through `call_from_r()`; while it runs,
`speaking_r()` is true and argument errors (`_args`) say `NULL`, `TRUE`,
`FALSE`, R types and keras3's functions, and show values as R writes them.
"""

import contextvars
import math
import numbers
import re

import numpy as np

_FROM_R = contextvars.ContextVar("kerasoptim_from_r", default=False)

# (Python words, R words), applied in order.
R_WORDS = [
    (r"\bTrue\b", "TRUE"), (r"\bFalse\b", "FALSE"), (r"\bNone\b", "NULL"),
    (r"`(\w+)=(\w+)`", r"`\1 = \2`"),
    (r"\ba (whole )?number in\b", r"a single \1number in"),
    (r"\ba string\b", "a single string"),
    (r"\ba `(?:keras\.optimizers\.schedules\.)?LearningRateSchedule`"
     r"(?: instance)?", "a schedule from keras3's "
     "`learning_rate_schedule_*()` functions"),
    (r"\ba `keras\.Variable`", "a variable from `keras_variable()`"),
    (r"`keras\.optimizers\.LossScaleOptimizer`", "`optimizer_loss_scale()`"),
    (r"\ba callable that takes", "a function that takes"),
    (r"`optimizer\.", "`optimizer$"),
    (r"extra keyword arguments passed on to the optimizer class\.",
     "named arguments passed on to the Python optimizer class (all "
     "arguments in `...` must be named)."),
    (r"\bextra keyword arguments\b", "named arguments in `...`"),
    (r"\braises a `ValueError`", "fails with an error"),
    (r" A whole float such as `2\.0` is accepted\.", ""),
    (r"; a whole float such as `2\.0` is accepted\.", "."),
]


def r_words(text):
    """`text` in R's words."""
    for pattern, replacement in R_WORDS:
        text = re.sub(pattern, replacement, text)
    return text


def _r_number(x):
    """A float as R's `deparse()` writes it (15 significant digits, the
    shorter of fixed and scientific notation)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    x = float(f"{x:.15g}")
    mantissa, exponent = f"{x:.14e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    scientific = f"{mantissa}e{exponent[0]}{int(exponent[1:]):02d}"
    fixed = np.format_float_positional(x, trim="-")
    return fixed if len(fixed) <= len(scientific) else scientific


def r_value(value, width=60):
    """`value` as R writes it (at most `width` characters); a Python
    object as reticulate names its class."""
    if value is None:
        text = "NULL"
    elif isinstance(value, (bool, np.bool_)):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif isinstance(value, numbers.Integral):
        text = str(int(value))
    elif isinstance(value, numbers.Real):
        text = _r_number(float(value))
    elif isinstance(value, (list, tuple)):
        text = "list(" + ", ".join(r_value(v, width) for v in value) + ")"
    else:
        cls = type(value)
        text = f"<{cls.__module__}.{cls.__qualname__}>"
    return text if len(text) <= width else text[:width - 3] + "..."


def speaking_r():
    """Whether the running call came from R (`call_from_r()`)."""
    return _FROM_R.get()


def call_from_r(function, /, *args, **kwargs):
    """`function(*args, **kwargs)`, its errors in R's words."""
    token = _FROM_R.set(True)
    try:
        return function(*args, **kwargs)
    finally:
        _FROM_R.reset(token)
