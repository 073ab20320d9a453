"""What issues 10 and 19 ask of the fast paths, one run per backend.

Usage:
    python bench/fast_paths.py                        # tensorflow and torch
    python bench/fast_paths.py --backend tensorflow   # one backend

Rows (medians of --steps eager `apply()` steps after warm-up; ratios from
the same process):
- lr change: a step after `optimizer.learning_rate` was set, against a step
  with it constant (target <= 1.1x), 20 variables of 10k; the two
  optimizers step in turn, so that both see the same machine.
- 2,000 vars: the first three steps (building included) of kerasoptim's Adam
  against Keras' Adam, 2,000 variables of 1k (target <= 1.0x).
- paths: the plain path, kerasoptim's fast path and the backend's own fused
  Adam (TensorFlow: `ResourceApplyAdam` fed Keras' step size, no compile;
  torch: `torch.optim.Adam(fused=True)`), time and the largest difference
  from the plain path after 200 steps, in float32 ulps; the same for AdamW
  (weight decay 0.004, in the kernel's pass), plain and fast path.
- structures (issue 19): 300 distinct shapes, the first 3 steps and a
  steady step against Keras (target <= 1.0x each); 200 float32 variables
  and one bfloat16 against Keras (<= 1.0x); torch: a `fit()` epoch with
  `jit_compile=True` (`torch.compile`) against Keras' (<= 1.0x);
  TensorFlow: an eager step on 8 variables of 500k against Keras' step
  under `tf.function(jit_compile=True)` (<= 1.3x).
A benchmark, not a test: the machine is noisy; compare ratios within a run.
"""

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def median_time(step, steps, sync=lambda: None):
    for _ in range(3):
        step()
    sync()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def variables(n, size, seed=0):
    import keras

    rng = np.random.default_rng(seed)
    return [keras.Variable(rng.normal(size=size).astype("float32"))
            for _ in range(n)]


def gradients(n, size, seed=1):
    from keras import ops

    rng = np.random.default_rng(seed)
    return [ops.convert_to_tensor(rng.normal(size=size).astype("float32"))
            for _ in range(n)]


def lr_change_row(steps):
    """Two optimizers on their own variables, stepped in turn (so both
    see the same machine): one has its learning rate set before each step,
    the other keeps it."""
    import kerasoptim

    runs = {}
    for changing in (False, True):
        vs, gs = variables(20, 10_000), gradients(20, 10_000)
        opt = kerasoptim.Adam(learning_rate=1e-3)
        count = [0]

        def step(opt=opt, vs=vs, gs=gs, changing=changing, count=count):
            if changing:
                count[0] += 1
                opt.learning_rate = 1e-3 * (1 + count[0] % 5)
            opt.apply(gs, vs)
        runs[changing] = step
    times = {False: [], True: []}
    for i in range(3 + steps):
        for changing, step in runs.items():
            start = time.perf_counter()
            step()
            if i >= 3:  # after warm-up
                times[changing].append(time.perf_counter() - start)
    return ("lr change vs constant", statistics.median(times[True]),
            statistics.median(times[False]), 1.1)


def many_variables_row():
    import keras
    import kerasoptim

    out = {}
    for cls in (kerasoptim.Adam, keras.optimizers.Adam):
        # What the process pays once (first use of the backend's ops), not
        # what 2,000 variables cost: paid by both before either is timed.
        cls().apply(gradients(1, 10), variables(1, 10))
    for name, cls in (("ours", kerasoptim.Adam),
                      ("keras", keras.optimizers.Adam)):
        vs, gs = variables(2000, 1000), gradients(2000, 1000)
        opt = cls(learning_rate=1e-3)
        gc.collect()  # each starts from a collected heap
        start = time.perf_counter()
        for _ in range(3):
            opt.apply(gs, vs)
        out[name] = time.perf_counter() - start
    return ("2,000 vars, first 3 steps vs Keras", out["ours"], out["keras"],
            1.0)


def first_and_steady(make, steps, first=3):
    """(seconds of the first `first` steps, building included, and the
    median step after them) of the step `make()` returns."""
    step = make()
    gc.collect()
    start = time.perf_counter()
    for _ in range(first):
        step()
    began = time.perf_counter() - start
    return began, median_time(step, steps)


def structure_rows(backend, steps):
    """Issue 19's model structures, kerasoptim's Adam against Keras':
    300 distinct shapes `(i + 1, 7)` (first 3 steps, then a steady step),
    and 200 float32 variables of 64 x 64 with one bfloat16 among them."""
    import keras
    import kerasoptim

    def shapes_300(cls):
        vs = [keras.Variable(np.ones((i + 1, 7), "float32"))
              for i in range(300)]
        gs = [keras.ops.ones(v.shape) for v in vs]
        opt = cls(learning_rate=1e-3)
        return lambda: opt.apply(gs, vs)

    def mixed(cls):
        vs = variables(200, (64, 64))
        vs.append(keras.Variable(np.ones((64, 64)), dtype="bfloat16"))
        gs = gradients(201, (64, 64))
        opt = cls(learning_rate=1e-3)
        return lambda: opt.apply(gs, vs)

    ours = first_and_steady(lambda: shapes_300(kerasoptim.Adam), steps)
    theirs = first_and_steady(lambda: shapes_300(keras.optimizers.Adam),
                              steps)
    rows = [("300 shapes, first 3 steps vs Keras", ours[0], theirs[0], 1.0),
            ("300 shapes, steady step vs Keras", ours[1], theirs[1], 1.0)]
    ours = first_and_steady(lambda: mixed(kerasoptim.Adam), steps)[1]
    theirs = first_and_steady(lambda: mixed(keras.optimizers.Adam), steps)[1]
    rows.append(("200 float32 + 1 bfloat16 vs Keras", ours, theirs, 1.0))
    if backend == "torch":
        rows.append(compiled_fit_row())
    if backend == "tensorflow":
        rows.append(eager_vs_xla_row(steps))
    return rows


def _applying(optimizer, grads, variables):
    """A step that applies `grads` to `variables`, taking no arguments."""
    return lambda: optimizer.apply(grads, variables)


def eager_vs_xla_row(steps):
    """TensorFlow: kerasoptim's eager `apply()` against Keras' Adam step
    under `tf.function(jit_compile=True)`, 8 variables of 500k, stepped in
    turn."""
    import keras
    import tensorflow as tf
    import kerasoptim

    runs = {}
    for name, cls, xla in (("ours", kerasoptim.Adam, False),
                           ("keras", keras.optimizers.Adam, True)):
        vs, gs = variables(8, (500, 1000)), gradients(8, (500, 1000))
        opt = cls(learning_rate=1e-3)
        opt.build(vs)
        step = _applying(opt, gs, vs)  # no arguments: tf.function traces none
        runs[name] = (tf.function(step, jit_compile=True) if xla else step,
                      vs[0])
    times = {name: [] for name in runs}
    for i in range(10 + steps):
        for name, (step, first) in runs.items():
            start = time.perf_counter()
            step()
            first.numpy()
            if i >= 10:  # after warm-up (and the programs' compilation)
                times[name].append(time.perf_counter() - start)
    return ("eager 8 x 500k vs Keras' XLA step",
            statistics.median(times["ours"]),
            statistics.median(times["keras"]), 1.3)


def compiled_fit_row():
    """torch: a `fit()` epoch with `jit_compile=True` (`torch.compile`),
    after a first epoch that compiles, kerasoptim's Adam against Keras'."""
    import keras
    import kerasoptim

    x = np.random.default_rng(0).normal(size=(2048, 32)).astype("float32")
    y = x @ np.ones((32, 1), "float32")
    out = {}
    for name, cls in (("ours", kerasoptim.Adam),
                      ("keras", keras.optimizers.Adam)):
        model = keras.Sequential([keras.Input((32,)),
                                  keras.layers.Dense(64, activation="relu"),
                                  keras.layers.Dense(1)])
        model.compile(optimizer=cls(1e-3), loss="mse", jit_compile=True)
        model.fit(x, y, batch_size=64, epochs=1, verbose=0)  # compiles
        start = time.perf_counter()
        model.fit(x, y, batch_size=64, epochs=1, verbose=0)
        out[name] = time.perf_counter() - start
    return ("fit() epoch, jit_compile=True vs Keras", out["ours"],
            out["keras"], 1.0)


def ulps(a, b):
    """Largest difference between two float32 arrays, in float32 ulps of
    the largest magnitude in `b` (a weight near 0 has no useful ulp)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float32)
    return float(np.abs(a - b).max() / np.spacing(np.abs(b).max()))


def _flat(tensors):
    from keras import ops

    return np.concatenate([ops.convert_to_numpy(t).ravel() for t in tensors])


def alternatives(backend, steps, name="Adam"):
    """Plain path, fast path (and, for Adam, the backend's own fused Adam)
    on 20 x 10k: ms/step, and ulps from the plain path after 200 steps."""
    n, size = 20, 10_000
    gs = gradients(n, size)
    native = (_native_tensorflow if backend == "tensorflow"
              else _native_torch)

    def paths():
        ours = [("plain path (fused=False)",)
                + _kerasoptim(name, n, size, gs, False),
                ("kerasoptim fast path",)
                + _kerasoptim(name, n, size, gs, None)]
        return ours + [native(n, size, gs)] if name == "Adam" else ours
    times = [(label, median_time(step, steps)) for label, step, _ in paths()]
    finals = {}
    for label, step, weights in paths():  # 200 steps from the same start
        for _ in range(200):
            step()
        finals[label] = _flat(weights)
    plain = finals["plain path (fused=False)"]
    return [(label, seconds, ulps(finals[label], plain))
            for label, seconds in times]


def _kerasoptim(name, n, size, gs, fused):
    import kerasoptim

    vs = variables(n, size)
    opt = getattr(kerasoptim, name)(learning_rate=1e-3, fused=fused)
    return (lambda: opt.apply(gs, vs)), vs


def _native_tensorflow(n, size, gs):
    """`ResourceApplyAdam` fed Keras' step size (bias corrections off):
    TensorFlow forms `1 - beta` in float32."""
    import tensorflow as tf

    ws = [v.value for v in variables(n, size)]
    ms = [tf.Variable(tf.zeros_like(w)) for w in ws]
    vs = [tf.Variable(tf.zeros_like(w)) for w in ws]
    t = [0]
    lr, b1, b2, eps, off = (tf.constant(x, tf.float32)
                            for x in (1e-3, .9, .999, 1e-7, 0.0))

    def step():
        t[0] += 1
        step_ = tf.constant(float(t[0]))
        alpha = lr * tf.sqrt(1 - b2 ** step_) / (1 - b1 ** step_)
        for w, m, v, g in zip(ws, ms, vs, gs):
            tf.raw_ops.ResourceApplyAdam(
                var=w.handle, m=m.handle, v=v.handle, beta1_power=off,
                beta2_power=off, lr=alpha, beta1=b1, beta2=b2, epsilon=eps,
                grad=g)
    return "TF ResourceApplyAdam", step, ws


def _native_torch(n, size, gs):
    """`torch.optim.Adam(fused=True)`: torch's epsilon placement
    (`sqrt(v / (1 - beta_2^t)) + eps`), not Keras'."""
    import torch

    ws = [v.value for v in variables(n, size)]
    for w, g in zip(ws, gs):
        w.grad = g
    opt = torch.optim.Adam(ws, lr=1e-3, eps=1e-7, fused=True)
    return "torch.optim.Adam(fused=True)", opt.step, ws


def run_backend(backend, steps):
    os.environ["KERAS_BACKEND"] = backend
    rows = [lr_change_row(steps), many_variables_row(),
            *structure_rows(backend, steps)]
    print(f"== {backend}")
    for label, ours, base, target in rows:
        ratio = ours / base
        print(f"{label:<38}{ours * 1e3:10.2f} ms {base * 1e3:10.2f} ms "
              f"{ratio:6.2f}x  (target <= {target}x: "
              f"{'met' if ratio <= target else 'NOT met'})")
    for name in ("Adam", "AdamW"):
        print(f"{name + ', 20 x 10k, eager':<38}{'ms/step':>13} "
              f"{'ulps vs plain after 200 steps':>32}")
        for label, seconds, distance in alternatives(backend, steps, name):
            print(f"  {label:<36}{seconds * 1e3:10.2f}    "
                  f"{distance:>20.0f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend")
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    if args.backend:
        return run_backend(args.backend, args.steps)
    for backend in ("tensorflow", "torch"):
        subprocess.run([sys.executable, __file__, "--backend", backend,
                        "--steps", str(args.steps)], check=True)


if __name__ == "__main__":
    main()
