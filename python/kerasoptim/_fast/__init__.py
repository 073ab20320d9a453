"""Backend fast paths: the update math as pure kernels over plain tensors.

`KERNELS` is the backend's kernel module (`_fast.torch`, `_fast.tensorflow`)
or None (JAX: under `jit` the plain `keras.ops` path compiles into one
program already). Every kernel module has `adam` and `adamax`, each
taking lists of tensors and keyword scalars (with `weight_decay` and
`learning_rate`, decoupled weight decay first, in the same pass), and
`run(kernel, *lists, **scalars)`, which calls it; TensorFlow's also has
`lazy_adam`, LazyAdam's masked step for traced steps. `refusal()` says why
a step cannot take a fast path (None when it can); the optimizer classes
gather their slots, compute this step's scalars and call `run`.
"""

from kerasoptim import _compat

if _compat.BACKEND == "torch":
    from kerasoptim._fast import torch as KERNELS
elif _compat.BACKEND == "tensorflow":
    from kerasoptim._fast import tensorflow as KERNELS
else:
    KERNELS = None


def unavailable():
    """Why this backend has no fast path at all, or None."""
    if KERNELS is None:
        return (f"the {_compat.BACKEND} backend has none (under jit the "
                "plain path compiles into one program)")
    return None


def refusal(variables, grads=None):
    """Why a step over `variables` (and `grads`) cannot take a fast path,
    or None."""
    why = unavailable()
    if why or not variables:
        return why or "there are no variables to update"
    return KERNELS.refusal(variables, grads)


def dtype(variable):
    """A variable's dtype name, read from its backend tensor (Keras'
    `Variable.dtype` consults the autocast scope: 40 ms a step for 2,000
    variables)."""
    return KERNELS.dtype(variable)


def tensors(variables):
    """The backend tensors (`torch.Tensor`, `tf.Variable`) the kernels
    update in place."""
    return [KERNELS.tensor(v) for v in variables]
