"""Helpers shared by the Python test modules."""

import numpy as np
import keras
from keras import ops

import kerasoptim

BACKEND = keras.backend.backend()

# (our class, Keras' class, reference algorithm name)
PAIRS = {
    "adam": (kerasoptim.Adam, keras.optimizers.Adam, "adam"),
    "adamw": (kerasoptim.AdamW, keras.optimizers.AdamW, "adam"),
    "adamax": (kerasoptim.Adamax, keras.optimizers.Adamax, "adamax"),
}
FAST_PATH_BACKENDS = ("torch", "tensorflow")  # where kerasoptim._fast has kernels
SHAPES = [(7,), (4, 5), (2, 3, 4)]
RTOL, ATOL = 1e-6, 1e-7


def initial_weights(seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in shapes]


def gradient_sequence(steps, seed=1, shapes=SHAPES):
    """Gradients whose scale swings from step to step (AMSGrad matters)."""
    rng = np.random.default_rng(seed)
    return [
        [(rng.normal(size=s) * (1.5 + np.sin(t))).astype("float32")
         for s in shapes]
        for t in range(steps)
    ]


def train(optimizer, weights, grad_seq):
    """Apply `grad_seq` with `optimizer`; return (variables, optimizer)."""
    variables = [keras.Variable(w) for w in weights]
    for grads in grad_seq:
        optimizer.apply([ops.convert_to_tensor(g) for g in grads], variables)
    return variables, optimizer


def numpy_list(variables):
    return [ops.convert_to_numpy(v) for v in variables]


def assert_all_close(actual, expected, rtol=RTOL, atol=ATOL, what=""):
    assert len(actual) == len(expected)
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol,
                                   err_msg=f"{what} #{i}")


# A kernel's budget against the plain path, in float32 ulps of each array's
# largest magnitude, for up to 5 steps (measured on torch: at most 1 after 5
# steps, 4 after 50; TensorFlow: 0).
ULPS = 16


def ulps(a, b):
    """Largest difference of `a` from `b` in float32 ulps of `b`'s largest
    magnitude (a weight near 0 has no useful ulp of its own)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = np.abs(b).max(initial=0.0)
    if scale == 0:
        return np.inf if np.abs(a).max(initial=0.0) > 0 else 0.0
    return float(np.abs(a - b).max() / np.spacing(np.float32(scale)))


def assert_within_ulps(fast, plain):
    """Each array within `ULPS` of the plain path's."""
    for i, (a, b) in enumerate(zip(fast, plain)):
        assert ulps(a, b) <= ULPS, (
            f"array #{i}: {ulps(a, b):.1f} ulps from the plain path "
            f"(budget {ULPS})")
