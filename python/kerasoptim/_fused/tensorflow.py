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


def run_traced(optimizer, key, body, *args, jit_compile=True):
    """Run `body(*args)` as a traced program (XLA-compiled by default).

    The program is cached per `key` (the caller's: which program, over
    which variables), argument dtypes and the optimizer's settings. An XLA
    program has static shapes: its concrete function is called directly,
    since with hundreds of gradient tensors a `tf.function`'s per-call
    signature matching costs more than the step. Without XLA, shapes may
    vary from call to call (rows of a sparse gradient) and `tf.function`
    relaxes them.
    """
    cache = optimizer.__dict__.setdefault("_kerasoptim_traced", {})
    full_key = (key, jit_compile,
                tuple(t.dtype for t in tf.nest.flatten(args)),
                tuple(repr(getattr(optimizer, a, None)) for a in _SETTINGS))
    if full_key not in cache:
        program = tf.function(body, jit_compile=jit_compile,
                              reduce_retracing=True)
        cache[full_key] = (program.get_concrete_function(*args)
                           if jit_compile else program)
    return cache[full_key](*args)


def _ids(variables):
    return tuple(id(v) for v in variables)


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

    run_traced(optimizer, ("update", _ids(variables), _ids(decayed)), update,
               grads, tf.convert_to_tensor(learning_rate),
               tf.convert_to_tensor(optimizer.learning_rate))
    return True


def decay(optimizer, variables):
    """Weight decay of `variables` alone, as one XLA program."""
    if not variables or not _takes(optimizer, []):
        return False
    run_traced(optimizer, ("decay", _ids(variables)),
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
    run_traced(optimizer, ("apply", _ids(variables)),
               lambda grads: keras.optimizers.Optimizer.apply(
                   optimizer, grads, variables),
               grads)
    return True
