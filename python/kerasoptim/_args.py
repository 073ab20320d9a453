"""Argument checks and coercions shared by every optimizer.

Each check names the argument, the value received and what is allowed, and
runs at construction time, before any state is created. The coercions are the
ones R users need: R sends whole numbers as doubles (``2.0``), so step counts
accept whole floats, and an integer learning rate is accepted as a float.
"""

import math
import numbers

import numpy as np
from keras import ops
from keras.optimizers.schedules import LearningRateSchedule


def _shown(value):
    """The value as an error message shows it."""
    return f"{value!r} (of type {type(value).__name__})" if not isinstance(
        value, (numbers.Number, type(None))
    ) else repr(value)


def fail(name, value, allowed, error=ValueError):
    """Raise `error` naming the argument, what is allowed and the value."""
    raise error(
        f"Argument `{name}` must be {allowed}. Received: {name}={_shown(value)}"
    )


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(
        value, (bool, np.bool_)
    )


def _scalar_tensor_value(value):
    """The float value of a concrete scalar tensor, or None if not one."""
    if not ops.is_tensor(value) or tuple(value.shape) != ():
        return None
    try:
        return float(ops.convert_to_numpy(value))
    except Exception:  # symbolic tensors have no value yet
        return None


def number(name, value, *, low, high=math.inf, low_open=False,
           high_open=False, optional=False, allowed=None):
    """A finite real number in the given interval (``None`` if optional).

    Returns the value as a Python float (ints become floats).
    """
    if value is None and optional:
        return None
    lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
    if allowed is None:
        allowed = (
            f"a number > {low:g}" if (low_open and high == math.inf)
            else f"a number >= {low:g}" if high == math.inf
            else f"a number in {lo}{low:g}, {high:g}{hi}"
        )
        if optional:
            allowed += " or None"
    if not _is_number(value):
        fail(name, value, allowed, TypeError)
    x = float(value)
    too_low = x <= low if low_open else x < low
    too_high = x >= high if high_open else x > high
    if math.isnan(x) or too_low or too_high:
        fail(name, value, allowed)
    return x


def whole_number(name, value, *, minimum, optional=True):
    """An integer >= `minimum`; whole floats such as ``2.0`` become ``2``."""
    if value is None and optional:
        return None
    allowed = f"a whole number >= {minimum}" + (" or None" if optional else "")
    if not _is_number(value):
        fail(name, value, allowed, TypeError)
    if not float(value).is_integer():
        fail(name, value, allowed)
    if int(value) < minimum:
        fail(name, value, allowed)
    return int(value)


def boolean(name, value):
    """`True` or `False` (NumPy booleans included)."""
    if not isinstance(value, (bool, np.bool_)):
        fail(name, value, "True or False", TypeError)
    return bool(value)


def learning_rate(value):
    """A positive number, a `LearningRateSchedule` or a zero-argument callable."""
    if isinstance(value, LearningRateSchedule) or callable(value):
        return value
    allowed = (
        "a number > 0, a keras.optimizers.schedules.LearningRateSchedule "
        "or a callable that takes no arguments"
    )
    tensor_value = _scalar_tensor_value(value)
    if tensor_value is not None:
        value = tensor_value
    return number("learning_rate", value, low=0, low_open=True,
                  allowed=allowed)


def beta(name, value):
    """A decay rate in [0, 1): a number, a scalar tensor or a callable."""
    if callable(value):
        return value
    allowed = (
        "a number in [0, 1), a scalar tensor or a callable that takes no "
        "arguments"
    )
    tensor_value = _scalar_tensor_value(value)
    if tensor_value is not None:
        number(name, tensor_value, low=0, high=1, high_open=True,
               allowed=allowed)
        return value
    return number(name, value, low=0, high=1, high_open=True, allowed=allowed)


def name(value):
    """The optimizer's name: a string, or None for Keras' automatic name."""
    if value is not None and not isinstance(value, str):
        fail("name", value, "a string or None", TypeError)
    return value


def at_most_one_clip(clipnorm, clipvalue, global_clipnorm):
    """Only one of the three clipping options may be set."""
    given = {
        key: val for key, val in (("clipnorm", clipnorm),
                                  ("clipvalue", clipvalue),
                                  ("global_clipnorm", global_clipnorm))
        if val is not None
    }
    if len(given) > 1:
        shown = ", ".join(f"{k}={v!r}" for k, v in given.items())
        raise ValueError(
            "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
            f"set. Received: {shown}"
        )


def no_unknown_kwargs(kwargs, known, owner):
    """Reject keyword arguments that `owner` does not know."""
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        shown = ", ".join(f"{k}={kwargs[k]!r}" for k in unknown)
        allowed = ", ".join(f"`{k}`" for k in known) or "none"
        raise TypeError(
            f"{owner} got unknown keyword argument(s): {shown}. "
            f"Extra keyword arguments allowed: {allowed}"
        )


def passed(arguments):
    """A function's arguments from its `locals()`, `**kwargs` spread, ready
    to pass on by keyword (`self` and `__class__` left out)."""
    named = {k: v for k, v in arguments.items()
             if k not in ("self", "__class__", "kwargs")}
    return {**named, **arguments.get("kwargs", {})}
