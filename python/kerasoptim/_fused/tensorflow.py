"""TensorFlow fast path: the update of all variables as one XLA program.

The plain per-variable `update_step()` math is traced once into a
`tf.function(jit_compile=True)` over the optimizer's variables, so XLA fuses
each variable's update into a pass over memory, in eager `apply()` and
inside `fit()` alike. Under a `tf.distribute` strategy (other than the
default) Keras' own distributed update runs instead.
"""

import keras
import tensorflow as tf

# Python-side settings a traced program bakes in: part of its cache key, so
# changing one between eager steps takes effect as it would in Keras.
_SETTINGS = ("beta_1", "beta_2", "epsilon", "amsgrad", "weight_decay",
             "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
             "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
             "gradient_accumulation_steps", "_learning_rate")


def _takes(optimizer, grads):
    if optimizer._fused_kind is None or tf.distribute.has_strategy():
        return False
    if callable(optimizer.beta_1) or callable(optimizer.beta_2):
        return False  # a Python callable may not be XLA-traceable
    return all(isinstance(g, tf.Tensor) for g in grads)


def _run(optimizer, name, variables, body, *args):
    """Run `body(*args)` over this list of variables as an XLA program.

    The traced concrete function is cached per variable list and argument
    dtypes, and called directly: with hundreds of gradient tensors, a
    `tf.function`'s per-call signature matching costs more than the step.
    """
    cache = optimizer.__dict__.setdefault("_kerasoptim_xla", {})
    flat = tf.nest.flatten(args)
    key = (name, tuple(id(v) for v in variables),
           tuple(t.dtype for t in flat),
           tuple(repr(getattr(optimizer, a, None)) for a in _SETTINGS))
    if key not in cache:
        cache[key] = tf.function(body, jit_compile=True).get_concrete_function(
            *args)
    return cache[key](*args)


def _shrink(optimizer, variables, learning_rate):
    """Decoupled weight decay `w -= w * weight_decay * lr`, as Keras."""
    for variable in variables:
        lr = tf.cast(learning_rate, variable.dtype)
        wd = tf.cast(optimizer.weight_decay, variable.dtype)
        variable.assign_sub(variable * wd * lr)


def step(optimizer, grads, variables, learning_rate, decayed=(), kind=None):
    """Decay `decayed`, then update all `variables`, in one XLA program;
    False if the fast path can't take this step."""
    grads, variables, decayed = list(grads), list(variables), list(decayed)
    if kind is not None or not variables or not _takes(optimizer, grads):
        return False

    def update(grads, learning_rate, decay_rate):
        _shrink(optimizer, decayed, decay_rate)
        for grad, variable in zip(grads, variables):
            optimizer.update_step(grad, variable, learning_rate)

    _run(optimizer, "update", variables + [None] + decayed, update, grads,
         tf.convert_to_tensor(learning_rate),
         tf.convert_to_tensor(optimizer.learning_rate))
    return True


def decay(optimizer, variables):
    """Weight decay of `variables` alone, as one XLA program."""
    if not variables or not _takes(optimizer, []):
        return False
    _run(optimizer, "decay", variables,
         lambda lr: _shrink(optimizer, variables, lr),
         tf.convert_to_tensor(optimizer.learning_rate))
    return True


def apply(optimizer, grads, variables):
    """Eager `apply()` as one XLA program: Keras' whole apply (clipping,
    decay, update, EMA, counters) traced once per variable list. False when
    not eager, not yet built, or the fast path can't take the step."""
    grads = list(grads)
    if (not tf.executing_eagerly() or not optimizer.built
            or any(g is None for g in grads) or not _takes(optimizer, grads)):
        return False
    variables = list(variables if variables is not None
                     else optimizer._trainable_variables)
    _run(optimizer, "apply", variables,
         lambda grads: keras.optimizers.Optimizer.apply(optimizer, grads,
                                                        variables),
         grads)
    return True
