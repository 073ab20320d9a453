"""What each argument may be: the one table of argument semantics.

`RULES` gives, for every constructor argument, the values accepted and what
they mean (everything Keras gives a meaning, `0` meaning "off" where Keras
reads it so, plus the forms R sends: whole doubles for counts, integers for
numbers, functions that take no arguments) and the bounds beyond which a
value would wreck training (non-finite weights, a later crash, an
overflow). `check()` applies a rule; the R wrappers check only what R alone
can see (length, `NA`, types) and leave the rest to this table, and their
tests compare both verdicts value by value. Errors are `ArgumentError`, a
`ValueError` (as Keras raises) that is also a `TypeError`, and name the
argument, what is allowed and the value, in R's words for a call from R
(`_words`).
"""

import dataclasses
import inspect
import math
import numbers

import keras
import numpy as np
from keras import ops
from keras.optimizers.schedules import LearningRateSchedule

from kerasoptim import _compat, _words

# Counts must fit a 32-bit integer: R's integers, and JAX's int32 iteration
# counter, whose modulo by a larger count overflows.
MAX_COUNT = 2**31 - 1
# Hyperparameters that scale a step (learning rate, weight decay) beyond
# this send float32 weights to infinity within a few steps.
MAX_SCALE = 1e6
# Clipping thresholds and loss scales multiply gradients or losses: beyond
# this (or below its inverse) float32 overflows or rounds to zero.
MAX_FACTOR = 1e20


class ArgumentError(ValueError, TypeError):
    """A bad argument: a `ValueError`, as Keras raises, and a `TypeError`."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """What one argument accepts.

    kind: "rate" (number, schedule, variable or callable), "beta" (number,
    variable or callable), "number", "count", "flag", "name" or "dtype"
    (one of `dtypes`).
    low, high: bounds of a number or count (inclusive unless `*_open`).
    none: whether `None` is accepted; off: whether `0` is accepted as Keras'
    "off" below `low`.
    """

    kind: str
    low: float = 0
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    none: bool = False
    off: bool = False
    dtypes: tuple = ()

    def allowed(self):
        """What is allowed, in (Python's) words."""
        if self.kind == "flag":
            options = ["`True`", "`False`"]
        elif self.kind == "name":
            options = ["a string"]
        elif self.kind == "dtype":
            options = [f'"{d}"' for d in self.dtypes]
        else:
            count = self.kind == "count"
            lo, hi = ("(" if self.low_open else "["), (
                ")" if self.high_open else "]")
            low, high = ((f"{int(x)}" if count else f"{x:g}")
                         for x in (self.low, self.high))
            options = ["0 (off)"] if self.off else []
            options.append(f"a {'whole ' if count else ''}number in "
                           f"{lo}{low}, {high}{hi}")
            if self.kind == "rate":
                options.append("a `LearningRateSchedule`")
            if self.kind in ("rate", "beta"):
                options += ["a `keras.Variable` (read at each step)",
                            "a callable that takes no arguments"]
        options += ["`None`"] if self.none else []
        if len(options) == 1:
            return options[0]
        return ", ".join(options[:-1]) + " or " + options[-1]


def _number(**bounds):
    return Rule("number", **bounds)


def _clip():
    """A clipping threshold: `None` or `0` (off), or a positive number."""
    return _number(low=1 / MAX_FACTOR, high=MAX_FACTOR, none=True, off=True)


RULES = {
    "learning_rate": Rule("rate", 0, MAX_SCALE),
    "beta_1": Rule("beta", 0, 1, high_open=True),
    "beta_2": Rule("beta", 0, 1, high_open=True),
    # 0 would divide 0 by 0 where a gradient is zero (NaN weights).
    "epsilon": _number(low=1 / MAX_FACTOR, high=MAX_SCALE),
    "amsgrad": Rule("flag"),
    "weight_decay": _number(high=MAX_SCALE, none=True),
    "clipnorm": _clip(),
    "clipvalue": _clip(),
    "global_clipnorm": _clip(),
    "use_ema": Rule("flag"),
    "ema_momentum": _number(high=1),
    "ema_overwrite_frequency": Rule("count", 1, MAX_COUNT, none=True,
                                    off=True),
    "loss_scale_factor": _number(low=1 / MAX_FACTOR, high=MAX_FACTOR,
                                 none=True),
    "gradient_accumulation_steps": Rule("count", 2, MAX_COUNT, none=True,
                                        off=True),
    "name": Rule("name", none=True),
    "fused": Rule("flag", none=True),
    # The dtype of the moments (`None`: each variable's own).
    "moment_dtype": Rule("dtype", none=True,
                         dtypes=("bfloat16", "float16", "float32")),
    # TF2's (and TF Addons') synonym of `learning_rate`, and its
    # time-inverse decay of the learning rate, `lr / (1 + decay * step)`.
    "lr": Rule("rate", 0, MAX_SCALE),
    "decay": _number(high=MAX_SCALE, none=True),
}


# Rules that differ per optimizer class: AdamW needs a weight decay.
OVERRIDES = {"AdamW": {"weight_decay": _number(high=MAX_SCALE)}}


def rules(optimizer):
    """`RULES` for the optimizer class named `optimizer`."""
    return {**RULES, **OVERRIDES.get(optimizer, {})}


def _shown(value, width=60):
    """The value as an error message shows it (at most `width` characters
    of its repr: `10**400` has 401 digits)."""
    text = repr(value)
    if len(text) > width:
        text = text[:width - 3] + "..."
    if isinstance(value, (numbers.Number, type(None), str)):
        return text
    return f"{text} (of type {type(value).__name__})"


def error(text, received, then=""):
    """`ArgumentError`: `text`, then `Received:` and the values of
    `received` (a dict), then `then`; in R's words for a call from R."""
    show = _shown
    if _words.speaking_r():
        text, then, show = (_words.r_words(text), _words.r_words(then),
                            _words.r_value)
    values = ", ".join(f"{k}={show(v)}" for k, v in received.items())
    return ArgumentError(f"{text} Received: {values}{then}")


def fail(name, value, allowed):
    """Raise `ArgumentError` naming the argument, what is allowed and the
    value."""
    raise error(f"Argument `{name}` must be {allowed}.", {name: value})


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def _scalar(value):
    """A Python float for a single real number (Python or NumPy number,
    0-d array, concrete scalar tensor or variable), else None."""
    if _is_bool(value):
        return None
    if isinstance(value, numbers.Real):
        try:
            return float(value)
        except OverflowError:  # 10**400
            return math.inf
    if isinstance(value, np.ndarray) and value.shape == () and \
            value.dtype.kind in "iuf":
        return float(value)
    if isinstance(value, keras.Variable) or ops.is_tensor(value):
        dtype = str(value.dtype)
        numeric = "float" in dtype or "int" in dtype
        if tuple(value.shape) != () or not numeric:
            return None
        try:
            return float(ops.convert_to_numpy(value))
        except Exception:  # a symbolic tensor has no value yet
            return None
    return None


def _takes_no_arguments(value):
    """Whether `value` can be called with no arguments (True when Python
    cannot tell, as for some builtins)."""
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return True
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL,
                                                      p.VAR_KEYWORD)
               for p in signature.parameters.values())


def check(name, value, rule=None):
    """`value` for argument `name` as the optimizer keeps it, or raise
    (`rule`: `RULES[name]` unless given).

    Numbers become Python floats, counts ints; variables, schedules and
    callables are kept as they are (a variable is read at each step).
    """
    rule = rule or RULES[name]
    if value is None and rule.none:
        return None
    if rule.kind == "flag":
        if not _is_bool(value):
            fail(name, value, rule.allowed())
        return bool(value)
    if rule.kind == "name":
        if not isinstance(value, str):
            fail(name, value, rule.allowed())
        return value
    if rule.kind == "dtype":
        dtype = _dtype_name(value)
        if dtype not in rule.dtypes:
            fail(name, value, rule.allowed())
        return dtype
    if rule.kind == "rate" and isinstance(value, LearningRateSchedule):
        return value
    if rule.kind in ("rate", "beta") and callable(value) and not isinstance(
            value, keras.Variable):
        if not _takes_no_arguments(value):
            fail(name, value, rule.allowed())
        return value
    x = _scalar(value)
    if x is None and rule.kind == "number" and not _words.speaking_r():
        # Keras' own words for a value that is no number at all (Keras'
        # tests match them), then what is allowed.
        raise error(f"Argument `{name}` must be a float.", {name: value},
                    f". Allowed: {rule.allowed()}.")
    if x is None or not _in_range(rule, x):
        fail(name, value, rule.allowed())
    if isinstance(value, keras.Variable) and rule.kind in ("rate", "beta"):
        return value
    if rule.off and x == 0:
        return None  # Keras reads 0 as "off", as None
    if rule.kind == "count":
        return int(x)
    return x


def _dtype_name(value):
    """Keras' name of a dtype given as a string or a dtype object (NumPy's,
    a backend's), or None."""
    if value is None or _is_bool(value) or isinstance(value, numbers.Number):
        return None
    try:
        return keras.backend.standardize_dtype(value)
    except (ValueError, TypeError, AttributeError):
        return None


def _in_range(rule, x):
    if rule.off and x == 0:
        return True
    if rule.kind == "count" and not float(x).is_integer():
        return False
    above = x > rule.low if rule.low_open else x >= rule.low
    below = x < rule.high if rule.high_open else x <= rule.high
    return above and below  # False for NaN


def check_all(arguments):
    """`check()` every entry of `arguments` (a dict), plus the rule that
    joins them: at most one of the clipping options set."""
    checked = {key: check(key, value) for key, value in arguments.items()}
    clips = {key: arguments[key] for key in
             ("clipnorm", "clipvalue", "global_clipnorm")
             if arguments.get(key) is not None}
    if len(clips) > 1:
        raise error("Only one of `clipnorm`, `clipvalue` and "
                    "`global_clipnorm` can be set.", clips)
    return checked


def learning_rate_for_keras(value):
    """What Keras' constructor takes for a checked learning rate: a
    variable's current value (the variable itself is adopted afterwards)."""
    if isinstance(value, keras.Variable):
        return float(ops.convert_to_numpy(value))
    return value


class DefaultRate(float):
    """A constructor's default learning rate (`0.001`): the number itself,
    but told apart from the same number given by the user, so that `lr`
    may replace it."""

    __slots__ = ()


DEFAULT_LEARNING_RATE = DefaultRate(0.001)


class DefaultName(str):
    """A factory's default name (`"adam"`): the string itself, but told
    apart from the same string given by the user."""

    __slots__ = ()


def factory_name(name):
    """The name a factory passes on: its default made unique the way Keras
    names objects (`adam`, `adam_1`, ...); a name the user gives, as
    given."""
    if isinstance(name, DefaultName):
        return _compat.unique_name(str(name))
    return name


def weight_decay_required(value):
    """AdamW's weight decay, checked by AdamW's rule (not `None`)."""
    check("weight_decay", value, OVERRIDES["AdamW"]["weight_decay"])
    return value


def no_unknown_kwargs(kwargs, known, owner):
    """Reject keyword arguments that `owner` does not know."""
    unknown = {k: v for k, v in kwargs.items() if k not in known}
    if unknown:
        names = ", ".join(f"`{k}`" for k in unknown)
        allowed = ", ".join(f"`{k}`" for k in known) or "none"
        raise error(f"Argument(s) not recognized by {owner}: {names}. Its "
                    f"extra keyword arguments are: {allowed}.", unknown)


def passed(arguments):
    """A function's arguments from its `locals()`, `**kwargs` spread, ready
    to pass on by keyword (`self` and `__class__` left out)."""
    named = {k: v for k, v in arguments.items()
             if k not in ("self", "__class__", "kwargs")}
    return {**named, **arguments.get("kwargs", {})}
