"""A model trained with the R-built optimizer and one trained with the
Python-built optimizer, same seed and data: identical losses and weights."""

import numpy as np
import pytest
import keras

import kerasoptim
from conftest import r_call

CASES = [
    ("optimizer_adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("optimizer_adam_w", {"learning_rate": 0.01, "weight_decay": 0.05,
                          "gradient_accumulation_steps": 2}),
    ("optimizer_adamax", {"learning_rate": 0.02, "use_ema": True,
                          "ema_overwrite_frequency": 2}),
]


def train(optimizer):
    keras.utils.set_random_seed(11)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1)) > 0).astype("float32")
    model = keras.Sequential([keras.Input((5,)),
                              keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False,
                        verbose=0)
    return history.history["loss"], [w.copy() for w in model.get_weights()]


@pytest.mark.parametrize("factory, kwargs", CASES, ids=[c[0] for c in CASES])
def test_same_losses_and_weights(from_r, factory, kwargs):
    r_losses, r_weights = train(from_r(r_call(factory, kwargs)))
    py_losses, py_weights = train(getattr(kerasoptim, factory)(**kwargs))
    assert r_losses[-1] < r_losses[0]
    np.testing.assert_array_equal(r_losses, py_losses)
    for a, b in zip(r_weights, py_weights):
        np.testing.assert_array_equal(a, b)
