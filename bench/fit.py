"""`model.fit()` epoch time of a 5M-parameter MLP: kerasoptim vs Keras.

Usage: python bench/fit.py   (runs every backend, one process each)

For Adam, AdamW and Adamax, trains the same MLP (512 -> 2048 -> 2048 -> 10,
5.3M parameters) on 4,096 random samples, batch 256, and reports the median
epoch time of epochs 2-4 (epoch 1 compiles) with our optimizer and with
Keras' built-in one, and their ratio. A benchmark, not a test.
"""

import json
import os
import statistics
import subprocess
import sys
import time

PAIRS = (("Adam", "Adam"), ("AdamW", "AdamW"), ("Adamax", "Adamax"))


def epoch_seconds(optimizer):
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((512,)),
        keras.layers.Dense(2048, activation="relu"),
        keras.layers.Dense(2048, activation="relu"),
        keras.layers.Dense(10),
    ])
    model.compile(optimizer=optimizer, loss="mse")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4096, 512), dtype=np.float32)
    y = rng.standard_normal((4096, 10), dtype=np.float32)
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(x, y, epochs=4, batch_size=256, verbose=0, callbacks=[Timer()])
    return statistics.median(times[1:]), model.count_params()


def run_backend():
    import keras

    import kerasoptim

    for ours, theirs in PAIRS:
        mine, params = epoch_seconds(getattr(kerasoptim, ours)())
        base, _ = epoch_seconds(getattr(keras.optimizers, theirs)())
        print(json.dumps(dict(backend=keras.backend.backend(), optimizer=ours,
                              params=params, kerasoptim=mine, keras=base)),
              flush=True)


def main():
    if "--backend" in sys.argv:
        return run_backend()
    print(f"{'backend':<11}{'optimizer':<9}{'params':>9}{'kerasoptim s':>14}"
          f"{'keras s':>9}{'ratio':>7}")
    for backend in ("tensorflow", "jax", "torch"):
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
        out = subprocess.run([sys.executable, __file__, "--backend"], env=env,
                             capture_output=True, text=True)
        if out.returncode:
            sys.stderr.write(out.stderr)
            raise SystemExit(f"fit bench for {backend} failed")
        for line in out.stdout.splitlines():
            if line.startswith("{"):
                r = json.loads(line)
                print(f"{r['backend']:<11}{r['optimizer']:<9}{r['params']:>9}"
                      f"{r['kerasoptim']:>14.3f}{r['keras']:>9.3f}"
                      f"{r['kerasoptim'] / r['keras']:>7.2f}")


if __name__ == "__main__":
    main()
