"""Every private Keras, TensorFlow or PyTorch API kerasoptim leans on.

Each entry names the public behaviour it stands for; `tests/python/
test_compat.py` checks each one, so a release that moves it fails loudly
there instead of sending kerasoptim down a silent fallback.

Keras' optimizer hooks that the classes override or call (their names are
private, their role is documented in `keras.optimizers.Optimizer`):
`_backend_update_step` (update all variables once the gradients are
clipped), `_apply_weight_decay` (decoupled decay, just before it),
`_use_weight_decay` (whether a variable is excluded), `_get_variable_index`
(a variable's slot index), `_check_variables_are_known` (that `apply()`
got variables it was built with), `_clip_gradients`,
`_get_current_learning_rate` (the learning rate `apply()` and the
`learning_rate` property read, where TF2's `decay` applies) and `_var_key`
(the key of a variable's slots). `OPTIMIZER_HOOKS` lists them for the test.
On TensorFlow, `_all_reduce_sum_gradients` sums gradients over
`tf.distribute` replicas (what `experimental_aggregate_gradients=False`
skips).
"""

import keras

BACKEND = keras.backend.backend()

OPTIMIZER_HOOKS = ("_backend_update_step", "_apply_weight_decay",
                   "_use_weight_decay", "_get_variable_index",
                   "_check_variables_are_known",
                   "_clip_gradients", "_get_current_learning_rate",
                   "_var_key")


def in_stateless_scope():
    """Whether code runs under `keras.StatelessScope` (`stateless_apply`),
    where assignments are recorded, not made: in-place kernels must not
    run there."""
    from keras.src.backend.common.stateless_scope import (
        in_stateless_scope as inside,
    )

    return inside()


def backend_tensor(variable):
    """The `torch.Tensor` or `tf.Variable` a Keras variable holds, the one
    an in-place kernel writes (`variable.value` also checks scopes: ~5 ms a
    step for 400 variables, and under autocast returns a copy); a raw
    backend variable (a `tf.Variable` Keras accepts) is its own."""
    if isinstance(variable, keras.Variable):
        return variable._value
    return variable


def built_variables(optimizer):
    """The variables `optimizer.build()` took, in order: slot `i` of each
    slot list belongs to the `i`-th (what `apply(grads)` without variables
    updates)."""
    return optimizer._trainable_variables


def step_count(optimizer):
    """The optimizer's count of `apply()` calls before this one (what
    learning-rate schedules read; `iterations` divides it by
    `gradient_accumulation_steps`)."""
    return optimizer._iterations


def tf_in_xla_context():
    """Whether TensorFlow is tracing for XLA (`jit_compile=True`), where
    shapes must be static."""
    import tensorflow as tf
    from tensorflow.python.ops import control_flow_util

    return control_flow_util.GraphOrParentsInXlaContext(
        tf.compat.v1.get_default_graph())


def tf_call_flat(program, flat):
    """Call a TensorFlow `ConcreteFunction` with `flat`, the tensors and
    variable handles of its arguments in `tf.nest.flatten` order, as its
    `__call__` does, without re-checking their structure against its
    signature (`_call_flat`: ~5 ms a call for 1,600 arguments)."""
    return program._call_flat(flat, program.captured_inputs)


def maximum(x1, x2):
    """`keras.ops.maximum`, keeping float64: on torch, Keras 3.15 takes the
    result dtype of two torch float64 tensors as float32 (its
    `result_type` falls back to floatx for torch dtypes), so AMSGrad's
    `v_hat` and Adamax's norm lost precision."""
    from keras import ops

    if BACKEND != "torch":
        return ops.maximum(x1, x2)
    import torch

    return torch.maximum(ops.convert_to_tensor(x1), ops.convert_to_tensor(x2))


def unique_name(name):
    """`name` made unique in this program the way Keras names its objects
    (`adam`, `adam_1`, ...; the counter Keras' own default names use)."""
    from keras.src.utils.naming import uniquify

    return uniquify(name)


def adopt_learning_rate(optimizer, variable):
    """Make the user's `variable` the optimizer's learning rate, tracked in
    place of the variable Keras made for it (what Keras' `learning_rate`
    setter does when it replaces one)."""
    optimizer._untrack_variable(optimizer._learning_rate)
    optimizer._learning_rate = variable  # Keras' __setattr__ tracks it


def untrack(optimizer, variable):
    """Keep `variable` (a user's beta) out of the optimizer's own variables,
    which Keras saves and restores by position: an optimizer rebuilt from
    its config (where a beta is a number) must find the same list."""
    optimizer._untrack_variable(variable)


# float32 holds 2**60 exactly; beta ** 2**60 is 0.0 in double precision for
# every beta below 1 - 1e-16, so both of the kernel's bias corrections are 1.
_NO_BIAS_CORRECTION_STEP = 2.0 ** 60


def torch_fused_adam(params, grads, momentums, velocities, velocity_hats, *,
                     alpha, beta_1, beta_2, epsilon, decay_rate=0.0):
    """torch.optim's fused Adam kernel (`torch._fused_adam_`, what
    `torch.optim.Adam(fused=True)` runs) as Keras' update: the kernel
    computes `w -= lr / (1 - beta_1^t) * m / (sqrt(v) / sqrt(1 - beta_2^t)
    + eps)`; at a step so large that both bias corrections are 1 and with
    `lr = alpha` that is Keras' `w -= alpha * m / (sqrt(v) + epsilon)`.

    With a `decay_rate` (`lr * weight_decay`), the fused AdamW kernel
    (`torch._fused_adamw_`, `torch.optim.AdamW(fused=True)`) first
    multiplies the weights by `1 - lr * weight_decay` (formed in double,
    rounded to the weights' dtype, as Keras' own PyTorch backend does); it
    takes the decay as a multiple of its `lr`, here `alpha`.
    All tensors contiguous, of one float dtype and device."""
    import torch

    if decay_rate and not alpha:  # no multiple of alpha = 0 is the decay
        torch._foreach_add_(params, params, alpha=-decay_rate)
        decay_rate = 0.0
    step = torch.tensor(_NO_BIAS_CORRECTION_STEP, dtype=torch.float32,
                        device=params[0].device)
    kernel = torch._fused_adamw_ if decay_rate else torch._fused_adam_
    kernel(
        params, grads, momentums, velocities, velocity_hats,
        [step] * len(params), lr=alpha, beta1=beta_1, beta2=beta_2,
        weight_decay=decay_rate / alpha if decay_rate else 0.0, eps=epsilon,
        amsgrad=bool(velocity_hats), maximize=False)
