"""Data-parallel training with keras.distribution on the JAX backend, on two
virtual CPU devices, with kerasoptim's AdamW. Prints the devices, where the
weights and the optimizer's slots live, and the loss per epoch.

Usage: python scaling_jax.py  (sets KERAS_BACKEND and XLA_FLAGS itself)
"""

import os

os.environ["KERAS_BACKEND"] = "jax"
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"

import keras  # noqa: E402  (after the environment is set)
import numpy as np  # noqa: E402

import kerasoptim  # noqa: E402

devices = keras.distribution.list_devices("cpu")
print("devices:", devices)
keras.distribution.set_distribution(
    keras.distribution.DataParallel(devices=devices))

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.standard_normal((512, 8)).astype("float32")
y = (x @ rng.standard_normal((8, 1))).astype("float32")
model = keras.Sequential([keras.Input((8,)),
                          keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(1)])
model.compile(optimizer=kerasoptim.AdamW(learning_rate=0.01), loss="mse")
history = model.fit(x, y, epochs=3, batch_size=64, verbose=0)
kernel = model.layers[0].kernel.value
slot = next(v for v in model.optimizer.variables
            if "momentum" in v.path).value
print("kernel sharding:", kernel.sharding)
print("slot sharding:  ", slot.sharding)
print("loss per epoch:", [round(v, 4) for v in history.history["loss"]])
