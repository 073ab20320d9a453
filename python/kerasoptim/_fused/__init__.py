"""Backend fast paths, chosen automatically.

`step(optimizer, grads, variables, learning_rate, decayed)` runs one update
of all variables through the backend's fused or multi-tensor kernels, first
applying decoupled weight decay to `decayed` in the same pass where it can,
and returns True; or returns False (having touched nothing) when the step is
one the fast path cannot take; the plain `keras.ops` path in `update_step()`
then runs. `FOLDS_DECAY`: whether `step` takes weight decay along. Each
fast path computes exactly the plain path's math (Keras' epsilon-hat
placement). `fused=False` turns fast paths off.
"""

import keras

_BACKEND = keras.backend.backend()

FOLDS_DECAY = _BACKEND in ("torch", "tensorflow")


def apply(optimizer, grads, variables):
    """Run the whole `apply()` as one compiled program where the backend
    can (TensorFlow, eagerly); False otherwise."""
    return False


if _BACKEND == "torch":
    from kerasoptim._fused.torch import decay, step
elif _BACKEND == "tensorflow":
    from kerasoptim._fused.tensorflow import apply, decay, step  # noqa: F811
else:  # JAX: under jit the plain keras.ops path fuses as well as optax
    def step(optimizer, grads, variables, learning_rate, decayed=(),
             kind=None):
        """No separate fast path: the plain path runs."""
        return False

    def decay(optimizer, variables):
        """No separate fast path: Keras' weight decay runs."""
        return False


def kind(optimizer):
    """'adam' or 'adamax' when the optimizer's update is one a fast path
    implements (a subclass overriding `update_step` gets None), else None."""
    from kerasoptim.adam import Adam
    from kerasoptim.adamax import Adamax

    update = type(optimizer).update_step
    return {Adam.update_step: "adam", Adamax.update_step: "adamax"}.get(update)
