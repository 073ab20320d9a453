"""The argument texts, the one source of the Python docstrings and of the R
`@param` texts (`tools/gen_r_docs.py` writes `R/params.R` from them).

The texts follow the keras3 reference pages, so R and Python users read the
same words; `OVERRIDES` holds the few that differ per optimizer. `document()`
appends an ``Args:`` section to a docstring written in the source.
"""

import inspect

FUSED = (
    "`fused`: `None` (default) takes a backend fast path where one applies "
    "(a fused kernel on PyTorch and TensorFlow); `False` forces the plain "
    "`keras.ops` path; `True` requires a fast path and raises a `ValueError` "
    "saying why a step cannot take one."
)
MOMENT_DTYPE = (
    "`moment_dtype`: `None` (default) keeps the moments in each variable's "
    "dtype; `\"bfloat16\"` (half the optimizer's memory, float32's range), "
    "`\"float16\"` (half the memory; the second moment overflows for "
    "gradients beyond 256) or `\"float32\"` stores them in that dtype, "
    "the step then computed in float32 and the moments rounded to nearest "
    "even when stored; the weights keep their dtype."
)

ARGS = {
    "learning_rate": (
        "A float, a `keras.optimizers.schedules.LearningRateSchedule` "
        "instance, a `keras.Variable` (read at each step, so an assignment "
        "to it takes effect at the next step), or a callable that takes no "
        "arguments and returns the actual value to use. The learning rate. "
        "Defaults to `0.001`. `0` is allowed (no step is taken); an integer "
        "is used as a float."
    ),
    "beta_1": (
        "A float value, a `keras.Variable` (read at each step), or a callable "
        "that takes no arguments and returns the actual value to use. The "
        "exponential decay rate for the 1st moment estimates. Defaults to "
        "`0.9`."
    ),
    "beta_2": (
        "A float value, a `keras.Variable` (read at each step), or a callable "
        "that takes no arguments and returns the actual value to use. The "
        "exponential decay rate for the 2nd moment estimates. Defaults to "
        "`0.999`."
    ),
    "epsilon": (
        "A small constant for numerical stability. This epsilon is "
        '"epsilon hat" in the Kingma and Ba paper (in the formula just before '
        "Section 2.1), not the epsilon in Algorithm 1 of the paper. Defaults "
        "to `1e-7`; must be positive (`0` divides zero by zero where a "
        "gradient is zero)."
    ),
    "amsgrad": (
        "Boolean. Whether to apply AMSGrad variant of this algorithm from the "
        'paper "On the Convergence of Adam and beyond". Defaults to `False`.'
    ),
    "weight_decay": (
        "Float or `None`. If set, decoupled weight decay is applied: before "
        "each step every variable shrinks by `learning_rate * weight_decay` "
        "times its value. Defaults to `None`."
    ),
    "clipnorm": (
        "Float. If set, the gradient of each weight is individually clipped "
        "so that its norm is no higher than this value. `0` means no "
        "clipping, as `None`."
    ),
    "clipvalue": (
        "Float. If set, the gradient of each weight is clipped to be no "
        "higher than this value. `0` means no clipping, as `None`."
    ),
    "global_clipnorm": (
        "Float. If set, the gradient of all weights is clipped so that their "
        "global norm is no higher than this value. `0` means no clipping, as "
        "`None`."
    ),
    "use_ema": (
        "Boolean, defaults to `False`. If `True`, exponential moving average "
        "(EMA) is applied. EMA consists of computing an exponential moving "
        "average of the weights of the model (as the weight values change "
        "after each training batch), and periodically overwriting the weights "
        "with their moving average."
    ),
    "ema_momentum": (
        "Float, defaults to 0.99. Only used if `use_ema=True`. This is the "
        "momentum to use when computing the EMA of the model's weights: "
        "`new_average = ema_momentum * old_average + (1 - ema_momentum) * "
        "current_variable_value`."
    ),
    "ema_overwrite_frequency": (
        "Int or `None`, defaults to `None`. Only used if `use_ema=True`. "
        "Every `ema_overwrite_frequency` steps of iterations, we overwrite "
        "the model variable by its moving average. If `None` (or `0`), the "
        "optimizer does not overwrite model variables in the middle of "
        "training, and you need to explicitly overwrite the variables at the "
        "end of training by calling `optimizer.finalize_variable_values()` "
        "(which updates the model variables in-place). When using the "
        "built-in `fit()` training loop, this happens automatically after the "
        "last epoch, and you don't need to do anything. A whole float such "
        "as `2.0` is accepted."
    ),
    "name": (
        "String. The name to use for momentum accumulator weights created by "
        "the optimizer. The default name is made unique the way Keras names "
        "objects (the second optimizer of a kind gets `_1` appended, and so "
        "on)."
    ),
    "loss_scale_factor": (
        "Float or `None`. If a float, the scale factor will be multiplied the "
        "loss before computing gradients, and the inverse of the scale factor "
        "will be multiplied by the gradients before updating variables. "
        "Useful for preventing underflow during mixed precision training. "
        "Alternately, `keras.optimizers.LossScaleOptimizer` will "
        "automatically set a loss scale factor."
    ),
    "gradient_accumulation_steps": (
        "Int or `None`. If an int, model & optimizer variables will not be "
        "updated at every step; instead they will be updated every "
        "`gradient_accumulation_steps` steps, using the average value of the "
        "gradients since the last update. This is known as \"gradient "
        "accumulation\". This can be useful when your batch size is very "
        "small, in order to reduce gradient noise at each update step. EMA "
        "frequency will look at \"accumulated\" iterations value (optimizer "
        "steps divided by `gradient_accumulation_steps`, rounded down). "
        "Learning rate schedules will look at \"real\" iterations value "
        "(optimizer steps). `0` means no accumulation, as `None`; a whole "
        "float such as `2.0` is accepted."
    ),
    "kwargs": (
        "For forward/backward compatibility: extra keyword arguments passed "
        "on to the optimizer class. " + FUSED + " " + MOMENT_DTYPE +
        " `lr`: TF2's (and TF "
        "Addons') name for `learning_rate`; giving both is an error. "
        "`decay`: TF2's time-inverse decay of the learning rate, which "
        "becomes `learning_rate / (1 + decay * iterations)` (a number >= 0; "
        "`0` or `None`: none)."
    ),
}

# Texts that differ per optimizer (keyed by the class name).
OVERRIDES = {
    "AdamW": {
        "weight_decay": (
            "Float. Defaults to `0.004`. The decoupled weight decay rate: "
            "before each step every variable not excluded with "
            "`exclude_from_weight_decay()` shrinks by "
            "`learning_rate * weight_decay` times its value. Must not be "
            "`None`."
        ),
    },
    "Adamax": {
        "beta_2": (
            "A float value, a `keras.Variable` (read at each step), or a "
            "callable that takes no arguments and returns the actual value "
            "to use. The exponential decay rate for the exponentially "
            "weighted infinity norm. Defaults to `0.999`."
        ),
        "epsilon": (
            "A small constant for numerical stability, added to the "
            "infinity norm `u` as Keras places it. Defaults to `1e-7`; must "
            "be positive."
        ),
    },
    "LazyAdam": {
        "weight_decay": (
            "Float or `None`. If set, decoupled weight decay is applied: "
            "before its Adam step a variable shrinks by `learning_rate * "
            "weight_decay` times its value; in a variable updated by rows, "
            "only the rows that take part shrink, the other rows are not "
            "decayed. Defaults to `None`."
        ),
    },
}


def parameters(obj):
    """The argument names of a function, or of a class's `__init__` (found
    along the class's MRO, so a custom `__new__` does not matter)."""
    if isinstance(obj, type):
        obj = next(vars(c)["__init__"] for c in obj.__mro__
                   if "__init__" in vars(c))
    return [n for n in inspect.signature(obj).parameters if n != "self"]


def texts(optimizer):
    """`{argument: text}` for the class named `optimizer`."""
    return {**ARGS, **OVERRIDES.get(optimizer, {})}


def document(obj, optimizer):
    """Append an ``Args:`` section to `obj`'s docstring (written in the
    source): every argument of `obj` in order, texts for the class named
    `optimizer`. Returns `obj`."""
    known = texts(optimizer)
    lines = ["", "Args:"]
    lines += [f"    {name}: {known[name]}" for name in parameters(obj)]
    obj.__doc__ = inspect.cleandoc(obj.__doc__) + "\n" + "\n".join(lines) \
        + "\n"
    return obj
