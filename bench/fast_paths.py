"""What issue 10 asks of the fast paths, measured in one run per backend.

Usage:
    python bench/fast_paths.py                        # tensorflow and torch
    python bench/fast_paths.py --backend tensorflow   # one backend

Rows (medians of --steps eager `apply()` steps after warm-up; ratios from
the same process):
- lr change: a step after `optimizer.learning_rate` was set, against a step
  with it constant (target <= 1.1x), 20 variables of 10k.
- 2,000 vars: the first three steps (building included) of kerasoptim's Adam
  against Keras' Adam, 2,000 variables of 1k (target <= 1.0x).
- alternatives: the kernel kerasoptim runs against the backend's own fused
  Adam (TensorFlow: `ResourceApplyAdam`, no compile; the same update as one
  XLA program; torch: `torch._fused_adam_` fed Keras' bias corrections),
  time and the largest difference from the plain path after 200 steps, in
  float32 ulps. kerasoptim takes the one that equals the plain path.
A benchmark, not a test: the machine is noisy; compare ratios within a run.
"""

import argparse
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
    import kerasoptim

    out = {}
    for changing in (False, True):
        vs, gs = variables(20, 10_000), gradients(20, 10_000)
        opt = kerasoptim.Adam(learning_rate=1e-3)
        box = [0]

        def step():
            if changing:
                box[0] += 1
                opt.learning_rate = 1e-3 * (1 + box[0] % 5)
            opt.apply(gs, vs)
        out[changing] = median_time(step, steps)
    return ("lr change vs constant", out[True], out[False], 1.1)


def many_variables_row():
    import keras
    import kerasoptim

    out = {}
    for name, cls in (("ours", kerasoptim.Adam),
                      ("keras", keras.optimizers.Adam)):
        vs, gs = variables(2000, 1000), gradients(2000, 1000)
        opt = cls(learning_rate=1e-3)
        start = time.perf_counter()
        for _ in range(3):
            opt.apply(gs, vs)
        out[name] = time.perf_counter() - start
    return ("2,000 vars, first 3 steps vs Keras", out["ours"], out["keras"],
            1.0)


def ulps(a, b):
    """Largest difference between two float32 arrays, in ulps of `b`."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    return float((np.abs(a.astype(np.float64) - b) /
                  np.spacing(np.abs(b))).max())


def alternatives_tensorflow(steps):
    import tensorflow as tf
    import kerasoptim
    from kerasoptim._fast import tensorflow as kernels

    n, size = 20, 10_000
    gs = gradients(n, size)

    def make():
        vs = [v.value for v in variables(n, size)]
        return vs, [tf.Variable(tf.zeros_like(v)) for v in vs], \
            [tf.Variable(tf.zeros_like(v)) for v in vs]

    plain_vars = variables(n, size)
    plain = kerasoptim.Adam(learning_rate=1e-3, fused=False)
    ours_vars = variables(n, size)
    ours = kerasoptim.Adam(learning_rate=1e-3)
    t_ours = median_time(lambda: ours.apply(gs, ours_vars), steps)

    w, m, v = make()
    t = [0]

    def resource_apply():
        t[0] += 1
        b1p = tf.constant(0.9 ** t[0], tf.float32)
        b2p = tf.constant(0.999 ** t[0], tf.float32)
        for wi, mi, vi, g in zip(w, m, v, gs):
            tf.raw_ops.ResourceApplyAdam(
                var=wi.handle, m=mi.handle, v=vi.handle, beta1_power=b1p,
                beta2_power=b2p, lr=tf.constant(1e-3), beta1=tf.constant(0.9),
                beta2=tf.constant(0.999), epsilon=tf.constant(1e-7), grad=g)
    t_resource = median_time(resource_apply, steps)

    xw, xm, xv = make()
    xla = tf.function(lambda ws, gs_, ms, vs_, **s: kernels.adam(
        ws, gs_, ms, vs_, [], **s), jit_compile=True)

    def scalars(step):
        lr, b1, b2 = (tf.constant(x, tf.float32) for x in (1e-3, .9, .999))
        step = tf.constant(float(step))
        alpha = lr * tf.sqrt(1 - b2 ** step) / (1 - b1 ** step)
        return dict(alpha=alpha, one_minus_beta_1=tf.constant(0.1),
                    one_minus_beta_2=tf.constant(0.001),
                    epsilon=tf.constant(1e-7))
    tx = [0]

    def xla_step():
        tx[0] += 1
        xla(xw, gs, xm, xv, **scalars(tx[0]))
    t_xla = median_time(xla_step, steps)

    # Precision after 200 steps from the same start, against the plain path.
    w, m, v = make()
    t[0] = 0
    xw, xm, xv = make()
    tx[0] = 0
    fresh_plain = variables(n, size)
    fresh_ours = variables(n, size)
    plain = kerasoptim.Adam(learning_rate=1e-3, fused=False)
    ours = kerasoptim.Adam(learning_rate=1e-3)
    for _ in range(200):
        plain.apply(gs, fresh_plain)
        ours.apply(gs, fresh_ours)
        resource_apply()
        xla_step()
    ref = [p.numpy() for p in fresh_plain]
    return [
        ("kernel (TF graph)", t_ours,
         ulps(np.concatenate([x.numpy().ravel() for x in fresh_ours]),
              np.concatenate([r.ravel() for r in ref]))),
        ("ResourceApplyAdam", t_resource,
         ulps(np.concatenate([x.numpy().ravel() for x in w]),
              np.concatenate([r.ravel() for r in ref]))),
        ("XLA program", t_xla,
         ulps(np.concatenate([x.numpy().ravel() for x in xw]),
              np.concatenate([r.ravel() for r in ref]))),
    ]


def alternatives_torch(steps):
    import math

    import torch
    import kerasoptim
    from keras import ops

    n, size = 20, 10_000
    gs = gradients(n, size)

    def run(fused_kernel, count, timed):
        vs = variables(n, size)
        ms = [torch.zeros_like(v.value) for v in vs]
        us = [torch.zeros_like(v.value) for v in vs]
        ws = [v.value for v in vs]
        opt = kerasoptim.Adam(learning_rate=1e-3)
        t = [0]

        def step():
            if not fused_kernel:
                return opt.apply(gs, vs)
            t[0] += 1
            b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-7
            bc1 = float(np.float32(1) - np.float32(b1) ** np.float32(t[0]))
            bc2 = float(np.float32(1) - np.float32(b2) ** np.float32(t[0]))
            bc1_t, bc2_t = 1 - b1 ** t[0], 1 - b2 ** t[0]
            torch._fused_adam_(
                ws, list(gs), ms, us, [], [torch.tensor(float(t[0]))] * n,
                lr=lr * math.sqrt(bc2) / bc1 * bc1_t / math.sqrt(bc2_t),
                beta1=b1, beta2=b2, weight_decay=0.0,
                eps=eps / math.sqrt(bc2_t), amsgrad=False, maximize=False)
        if timed:
            return median_time(step, steps)
        for _ in range(count):
            step()
        return np.concatenate([ops.convert_to_numpy(v).ravel() for v in vs])

    plain_vars = variables(n, size)
    plain = kerasoptim.Adam(learning_rate=1e-3, fused=False)
    for _ in range(200):
        plain.apply(gs, plain_vars)
    ref = np.concatenate([ops.convert_to_numpy(v).ravel()
                          for v in plain_vars])
    return [("kernel (foreach)", run(False, 0, True),
             ulps(run(False, 200, False), ref)),
            ("torch._fused_adam_", run(True, 0, True),
             ulps(run(True, 200, False), ref))]


def run_backend(backend, steps):
    os.environ["KERAS_BACKEND"] = backend
    rows = [lr_change_row(steps), many_variables_row()]
    print(f"== {backend}")
    for label, ours, base, target in rows:
        ratio = ours / base
        print(f"{label:<38}{ours * 1e3:10.2f} ms {base * 1e3:10.2f} ms "
              f"{ratio:6.2f}x  (target <= {target}x: "
              f"{'met' if ratio <= target else 'NOT met'})")
    alternatives = (alternatives_tensorflow if backend == "tensorflow"
                    else alternatives_torch)(steps)
    print(f"{'Adam, 20 x 10k, eager':<38}{'ms/step':>13} "
          f"{'ulps vs plain after 200 steps':>32}")
    for label, seconds, distance in alternatives:
        print(f"  {label:<36}{seconds * 1e3:10.2f}    {distance:>20.0f}")


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
