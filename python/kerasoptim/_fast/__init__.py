"""Backend fast paths: the update math as pure kernels over plain tensors.

`KERNELS` is the backend's kernel module (`_fast.torch`, `_fast.tensorflow`)
or None (JAX: under `jit` the plain `keras.ops` path compiles into one
program already). Every kernel module has `adam` and `adamax`, each
taking lists of tensors and keyword scalars (with `weight_decay` and
`learning_rate`, decoupled weight decay first, in the same pass), and
`run(kernel, *lists, formula=None, moment_dtype=None, **scalars)`, which
calls it (with a `formula`, on `formula(dtype, **scalars)`: the scalars
computed from the step's terms, inside TensorFlow's programs; slots stored
in `moment_dtype` are widened to the weights' dtype for the math and
rounded to nearest even when stored); TensorFlow's also has
`lazy_adam`, LazyAdam's masked step for traced steps. `step_refusal()` says
why no variable of a step can take a kernel, `variable_refusal()` why one
variable cannot (None when it can); the optimizer classes choose, once a
step, which variables take a kernel, gather their slots, read this
step's terms and call `run` with their `_formula`.
"""

import collections

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


def step_refusal():
    """Why no variable of this step can take a kernel (the backend, a
    `tf.distribute` strategy, a stateless or compiled step), or None."""
    return unavailable() or KERNELS.step_refusal()


def variable_refusal(variable, gradient=None):
    """Why `variable` (with `gradient`) cannot take a kernel, or None."""
    return KERNELS.variable_refusal(variable, gradient)


def label(variable):
    """How an error names a variable: its Keras path, or a raw backend
    variable's name."""
    return repr(getattr(variable, "path", None) or variable.name)


def dtype(variable):
    """A variable's dtype name, read from its backend tensor (Keras'
    `Variable.dtype` consults the autocast scope: 40 ms a step for 2,000
    variables)."""
    return KERNELS.dtype(variable)


class Ledger:
    """What one optimizer's kernel groups have run so far (`calls`, eager
    runs of each) and which now run as compiled programs (`programs`),
    for kernel modules that compile (TensorFlow's `run`)."""

    def __init__(self):
        self.calls = collections.Counter()
        self.programs = set()


def tensors(variables):
    """The backend tensors (`torch.Tensor`, `tf.Variable`) the kernels
    update in place."""
    return [KERNELS.tensor(v) for v in variables]
