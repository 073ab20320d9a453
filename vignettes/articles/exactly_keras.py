"""Train one small model twice, with Keras' optimizer and with kerasoptim's,
from the same weights on the same batches, on the backend KERAS_BACKEND
names. Prints JSON: per optimizer, the loss after each step for both and the
largest absolute weight difference between the two models after each step.

Usage: KERAS_BACKEND=jax python exactly_keras.py [steps]
"""

import json
import sys

import keras
import numpy as np

import kerasoptim

PAIRS = {"Adam": (keras.optimizers.Adam, kerasoptim.Adam),
         "AdamW": (keras.optimizers.AdamW, kerasoptim.AdamW),
         "Adamax": (keras.optimizers.Adamax, kerasoptim.Adamax)}
BATCH, BATCHES = 32, 8


def train(optimizer, x, y, steps):
    """Losses and flattened weights after each step of `train_on_batch`."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)),
                              keras.layers.Dense(32, activation="tanh"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    losses, weights = [], []
    for step in range(steps):
        rows = slice(BATCH * (step % BATCHES), BATCH * (step % BATCHES + 1))
        losses.append(float(model.train_on_batch(x[rows], y[rows])))
        weights.append(np.concatenate([w.ravel() for w in model.get_weights()]))
    return losses, weights


def main(steps):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH * BATCHES, 8)).astype("float32")
    y = np.sin(x @ rng.standard_normal((8, 1))).astype("float32")
    result = {"backend": keras.backend.backend(),
              "keras": keras.__version__}
    for name, (theirs, ours) in PAIRS.items():
        keras_loss, keras_w = train(theirs(learning_rate=0.01), x, y, steps)
        our_loss, our_w = train(ours(learning_rate=0.01), x, y, steps)
        result[name] = {
            "keras_loss": keras_loss, "kerasoptim_loss": our_loss,
            "max_weight_diff": [float(np.max(np.abs(a - b)))
                                for a, b in zip(keras_w, our_w)]}
    print(json.dumps(result))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
