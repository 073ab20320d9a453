"""Argument descriptions shared by the classes' and factories' docstrings.

The texts follow the keras3 reference pages, so R and Python users read the
same words. `document()` appends an ``Args:`` section built from them.
"""

import inspect

ARGS = {
    "learning_rate": (
        "A float, a `keras.optimizers.schedules.LearningRateSchedule` "
        "instance, or a callable that takes no arguments and returns the "
        "actual value to use. The learning rate. Defaults to `0.001`. An "
        "integer is accepted and used as a float."
    ),
    "beta_1": (
        "A float value or a constant float tensor, or a callable that takes "
        "no arguments and returns the actual value to use. The exponential "
        "decay rate for the 1st moment estimates. Defaults to `0.9`."
    ),
    "beta_2": (
        "A float value or a constant float tensor, or a callable that takes "
        "no arguments and returns the actual value to use. The exponential "
        "decay rate for the 2nd moment estimates. Defaults to `0.999`."
    ),
    "beta_2_adamax": (
        "A float value or a constant float tensor, or a callable that takes "
        "no arguments and returns the actual value to use. The exponential "
        "decay rate for the exponentially weighted infinity norm. Defaults "
        "to `0.999`."
    ),
    "epsilon": (
        "A small constant for numerical stability. This epsilon is "
        '"epsilon hat" in the Kingma and Ba paper (in the formula just before '
        "Section 2.1), not the epsilon in Algorithm 1 of the paper. Defaults "
        "to `1e-7`."
    ),
    "amsgrad": (
        "Boolean. Whether to apply AMSGrad variant of this algorithm from the "
        'paper "On the Convergence of Adam and beyond". Defaults to `False`.'
    ),
    "weight_decay": (
        "Float. If set, weight decay is applied: each step first shrinks "
        "every variable by `learning_rate * weight_decay` times its value "
        "(decoupled weight decay)."
    ),
    "clipnorm": (
        "Float. If set, the gradient of each weight is individually clipped "
        "so that its norm is no higher than this value."
    ),
    "clipvalue": (
        "Float. If set, the gradient of each weight is clipped to be no "
        "higher than this value."
    ),
    "global_clipnorm": (
        "Float. If set, the gradient of all weights is clipped so that their "
        "global norm is no higher than this value."
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
        "Int or None, defaults to None. Only used if `use_ema=True`. Every "
        "`ema_overwrite_frequency` steps of iterations, we overwrite the "
        "model variable by its moving average. If None, the optimizer does "
        "not overwrite model variables in the middle of training, and you "
        "need to explicitly overwrite the variables at the end of training by "
        "calling `optimizer.finalize_variable_values()` (which updates the "
        "model variables in-place). When using the built-in `fit()` training "
        "loop, this happens automatically after the last epoch, and you don't "
        "need to do anything. A whole float such as `2.0` is accepted."
    ),
    "name": "String. The name to use for momentum accumulator weights created "
    "by the optimizer.",
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
        "steps // gradient_accumulation_steps). Learning rate schedules will "
        "look at \"real\" iterations value (optimizer steps). A whole float "
        "such as `2.0` is accepted."
    ),
    "kwargs": (
        "For forward/backward compatibility: extra keyword arguments passed "
        "on to the optimizer class (Keras' deprecated `decay` is accepted "
        "and ignored with a warning)."
    ),
}


def document(obj, summary, overrides=None):
    """Give `obj` a docstring: `summary`, then an Args section in signature
    order, taking each text from `ARGS` (or `overrides`)."""
    overrides = overrides or {}
    lines = [summary.strip(), "", "Args:"]
    for param in inspect.signature(obj).parameters:
        text = overrides.get(param, ARGS[param])
        lines.append(f"    {param}: {text}")
    obj.__doc__ = "\n".join(lines) + "\n"
    return obj
