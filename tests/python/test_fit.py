"""`model.fit()` with our optimizers gives Keras' own loss curve."""

import numpy as np
import pytest
import keras

from helpers import BACKEND, PAIRS


def _data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(96, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 3))).astype("float32")
    return x, y


def fit(optimizer, epochs=4):
    keras.utils.set_random_seed(7)
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(3),
    ])
    model.compile(optimizer=optimizer, loss="mse")
    x, y = _data()
    history = model.fit(x, y, epochs=epochs, batch_size=16, shuffle=False,
                        verbose=0)
    return history.history["loss"], model


CASES = [(algo, options) for algo in sorted(PAIRS)
         for options in ({}, {"weight_decay": 0.1},
                         {"beta_1": 0.8} if algo == "adamax"
                         else {"amsgrad": True})]


@pytest.mark.parametrize("algo, options", CASES,
                         ids=[f"{a}-{'-'.join(o) or 'defaults'}"
                              for a, o in CASES])
def test_loss_curve_equals_keras(algo, options):
    ours_cls, keras_cls, _ = PAIRS[algo]
    ours, _ = fit(ours_cls(learning_rate=0.01, **options))
    theirs, _ = fit(keras_cls(learning_rate=0.01, **options))
    assert ours[-1] < ours[0]
    # Torch: Keras decays by float32(1 - wd*lr) (see test_parity).
    rtol = 1e-5 if BACKEND == "torch" and "weight_decay" in options else 1e-6
    np.testing.assert_allclose(ours, theirs, rtol=rtol)
