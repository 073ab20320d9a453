"""One optimizer step: kerasoptim vs Keras' built-in vs the native anchor.

Usage:
    python bench/step.py                 # every backend, one process each
    python bench/step.py --backend jax   # one backend (prints JSON lines)
    python bench/step.py --steps 30 --only adam

For each backend, optimizer (Adam, AdamW, Adamax, LazyAdam with dense
gradients) and shape (10 variables of 1M float32 parameters; 400 of 25k,
where per-op overhead dominates), it times the median of `--steps` steps
after warm-up, and the peak extra resident memory during the steps (a
sampling thread reads /proc/self/statm). Modes:
- TensorFlow: eager `apply()`, and `apply()` inside `tf.function`; anchor:
  Keras' step under `tf.function(jit_compile=True)`.
- JAX: `jax.jit(stateless_apply)` with donated buffers; anchor: optax with the
  same update under `jax.jit` with donation.
- PyTorch: `apply()`; anchor: `torch.optim` with `fused=True` (Adam, AdamW)
  or `foreach=True` (Adamax).
It prints a table of medians and ratios. A benchmark, not a test.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

SHAPES = {"10x1M": (10, 1_000_000), "400x25k": (400, 25_000)}
OPTIMIZERS = ("adam", "adamw", "adamax", "lazy_adam")
KERAS_NAME = {"adam": "Adam", "adamw": "AdamW", "adamax": "Adamax",
              "lazy_adam": "Adam"}
OURS_NAME = {"adam": "Adam", "adamw": "AdamW", "adamax": "Adamax",
             "lazy_adam": "LazyAdam"}


class PeakMemory:
    """Peak resident memory above the level at entry, sampled every ms."""

    def __enter__(self):
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @staticmethod
    def _rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.001)

    @property
    def extra_mb(self):
        return (self.peak - self.base) / 2**20


def measure(step, sync, steps):
    """Median seconds of `step()` and peak extra memory, after warm-up."""
    for _ in range(3):
        step()
    sync()
    times = []
    with PeakMemory() as memory:
        for _ in range(steps):
            start = time.perf_counter()
            step()
            sync()
            times.append(time.perf_counter() - start)
    return statistics.median(times), memory.extra_mb


# --- per-backend step builders: each returns (step, sync) ------------------
def arrays(shape, seed):
    import numpy as np

    count, size = SHAPES[shape]
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(size, dtype=np.float32) for _ in range(count)]


def keras_step(cls, shape, mode):
    """A Keras-API optimizer (ours or Keras') stepping on fresh variables."""
    import keras
    from keras import ops

    variables = [keras.Variable(w) for w in arrays(shape, 0)]
    grads = [ops.convert_to_tensor(g) for g in arrays(shape, 1)]
    optimizer = cls(learning_rate=1e-3)
    optimizer.build(variables)
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        opt_values = [v.value for v in optimizer.variables]
        values = [v.value for v in variables]

        def apply(opt_values, values, grads):
            # Outputs in the donated inputs' order: JAX pairs donated
            # buffers with outputs by shape, in order; a mismatch costs a
            # copy of every buffer.
            values, opt_values = optimizer.stateless_apply(opt_values, grads,
                                                           values)
            return opt_values, values

        jitted = jax.jit(apply, donate_argnums=(0, 1))
        state = {"opt": opt_values, "vars": values}

        def step():
            state["opt"], state["vars"] = jitted(state["opt"], state["vars"],
                                                 grads)

        return step, lambda: jax.block_until_ready(state["vars"])
    if backend == "tensorflow" and mode != "eager":
        import tensorflow as tf

        jit = mode == "xla"
        step = tf.function(lambda: optimizer.apply(grads, variables),
                           jit_compile=jit)
        return step, lambda: variables[0].numpy()
    return (lambda: optimizer.apply(grads, variables),
            lambda: ops.convert_to_numpy(variables[0][:1]))


def optax_step(name, shape):
    import jax
    import jax.numpy as jnp
    import optax

    make = {"adam": lambda: optax.adam(1e-3, eps=1e-7),
            "adamw": lambda: optax.adamw(1e-3, eps=1e-7, weight_decay=0.004),
            "adamax": lambda: optax.adamax(1e-3, eps=1e-7)}[name]
    tx = make()
    params = [jnp.asarray(w) for w in arrays(shape, 0)]
    grads = [jnp.asarray(g) for g in arrays(shape, 1)]
    state = {"params": params, "opt": tx.init(params)}

    def update(params, opt_state, grads):
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    jitted = jax.jit(update, donate_argnums=(0, 1))

    def step():
        state["params"], state["opt"] = jitted(state["params"], state["opt"],
                                               grads)

    return step, lambda: jax.block_until_ready(state["params"])


def torch_optim_step(name, shape):
    import torch

    params = [torch.tensor(w, requires_grad=True) for w in arrays(shape, 0)]
    for p, g in zip(params, arrays(shape, 1)):
        p.grad = torch.tensor(g)
    if name == "adamax":
        optimizer = torch.optim.Adamax(params, lr=1e-3, eps=1e-7,
                                       foreach=True)
    else:
        cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
        extra = {"weight_decay": 0.004} if name == "adamw" else {}
        optimizer = cls(params, lr=1e-3, eps=1e-7, fused=True, **extra)
    return optimizer.step, lambda: None


def run_backend(backend, steps, only):
    import keras

    import kerasoptim

    assert keras.backend.backend() == backend
    modes = {"tensorflow": ("eager", "graph"), "jax": ("jit",),
             "torch": ("eager",)}[backend]
    anchor = {"tensorflow": "keras+xla", "jax": "optax",
              "torch": "torch.optim"}[backend]
    for name in only or OPTIMIZERS:
        for shape in SHAPES:
            for mode in modes:
                ours = keras_step(getattr(kerasoptim, OURS_NAME[name]), shape,
                                  mode)
                yield dict(backend=backend, optimizer=name, shape=shape,
                           mode=mode, path="kerasoptim",
                           **_result(ours, steps))
                theirs = keras_step(getattr(keras.optimizers,
                                            KERAS_NAME[name]), shape, mode)
                yield dict(backend=backend, optimizer=name, shape=shape,
                           mode=mode, path="keras", **_result(theirs, steps))
            if name == "lazy_adam":
                continue  # no native anchor for LazyAdam
            if backend == "tensorflow":
                step = keras_step(getattr(keras.optimizers, KERAS_NAME[name]),
                                  shape, "xla")
            elif backend == "jax":
                step = optax_step(name, shape)
            else:
                step = torch_optim_step(name, shape)
            yield dict(backend=backend, optimizer=name, shape=shape,
                       mode="-", path=anchor, **_result(step, steps))


def _result(step_and_sync, steps):
    seconds, extra_mb = measure(*step_and_sync, steps)
    return {"ms": seconds * 1e3, "peak_mb": extra_mb}


def print_table(rows):
    """Medians, and ratios to Keras' built-in and to the native anchor."""
    index = {(r["backend"], r["optimizer"], r["shape"], r["mode"], r["path"]):
             r for r in rows}
    anchors = {(r["backend"], r["optimizer"], r["shape"]): r for r in rows
               if r["path"] not in ("kerasoptim", "keras")}
    print(f"{'backend':<11}{'optimizer':<10}{'shape':<9}{'mode':<7}"
          f"{'path':<12}{'ms/step':>9}{'vs keras':>10}{'vs anchor':>10}"
          f"{'peak MB':>9}")
    for r in rows:
        key = (r["backend"], r["optimizer"], r["shape"], r["mode"])
        keras_row = index.get(key + ("keras",))
        anchor = anchors.get(key[:3])
        vs_keras = (f"{r['ms'] / keras_row['ms']:.2f}"
                    if r["path"] == "kerasoptim" and keras_row else "")
        vs_anchor = (f"{r['ms'] / anchor['ms']:.2f}"
                     if r["path"] == "kerasoptim" and anchor else "")
        print(f"{r['backend']:<11}{r['optimizer']:<10}{r['shape']:<9}"
              f"{r['mode']:<7}{r['path']:<12}{r['ms']:>9.2f}{vs_keras:>10}"
              f"{vs_anchor:>10}{r['peak_mb']:>9.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--only", nargs="*", choices=OPTIMIZERS)
    args = parser.parse_args()
    if args.backend:
        for row in run_backend(args.backend, args.steps, args.only):
            print(json.dumps(row), flush=True)
        return
    rows = []
    for backend in ("tensorflow", "jax", "torch"):
        cmd = [sys.executable, __file__, "--backend", backend,
               "--steps", str(args.steps)]
        if args.only:
            cmd += ["--only", *args.only]
        env = dict(os.environ, KERAS_BACKEND=backend,
                   TF_CPP_MIN_LOG_LEVEL="3")
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if out.returncode:
            sys.stderr.write(out.stderr)
            raise SystemExit(f"bench for {backend} failed")
        rows += [json.loads(line) for line in out.stdout.splitlines()
                 if line.startswith("{")]
    print_table(rows)


if __name__ == "__main__":
    main()
