"""Adam's moments in bfloat16 against float32 (`moment_dtype`, issue 23):
optimizer state bytes, step time, and what it does to a trained model.

Rows, one subprocess per (backend, case):
- dense: Adam on 10 variables of 1,000,000 float32 parameters with a dense
  gradient: Keras' `Adam` (a reference), kerasoptim's `Adam` with
  `moment_dtype=None` (float32 moments, the variables' own dtype) and with
  `moment_dtype="bfloat16"`.
- lazy: `LazyAdam` on a 1,000,000 x 64 float32 embedding table (named
  `embeddings`, as Keras' `Embedding` names it) whose gradient touches
  1,024 rows, `moment_dtype=None` and `"bfloat16"`; the gradient is the one
  each backend's `fit()` hands over (TensorFlow: `tf.IndexedSlices`; JAX
  and PyTorch: dense), made by bench/lazy_adam.py's `_gradient()`.
- two-tower: the model and data of the article "LazyAdam for large
  embeddings" (vignettes/articles/lazy-adam.Rmd, whose code is inline in
  the article, so repeated here: 30,000 ratings, 1,000 users x 500 items,
  embeddings of 8), trained with `LazyAdam(learning_rate=0.01)` for 5
  epochs (batch 256, 10% held out) from the same seed, once with float32
  and once with bfloat16 moments: the last epoch's loss and accuracy, on
  the training and the held-out data, and the time `fit()` took.

`state MB` is the sum of the optimizer variables' bytes (elements x the
dtype's size, in 10^6 bytes: the moments, and the step count and learning
rate). `ms/step` is the median of `--steps` steps after 5 warm-up steps
(TensorFlow's fast path compiles its XLA programs in those), of eager
`optimizer.apply()` on TensorFlow and PyTorch, and on JAX of
`stateless_apply` under `jax.jit` with donated buffers (as `fit()` runs
it). The optimizers of one row group step in turn in one process, so that
each sees the same machine, and `vs f32` (bfloat16 / float32 moments) is
measured within that process. A benchmark, not a test: compare ratios
within a run.

Usage: python bench/moment_dtype.py [--backends tensorflow,jax,torch]
                                    [--cases dense,lazy,two_tower]
                                    [--steps 15]
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ITEMSIZE = {"bfloat16": 2, "float16": 2, "float32": 4, "float64": 8,
            "int32": 4, "int64": 8}
WARMUP = 5


def _lazy_bench():
    """bench/lazy_adam.py, for its gradients."""
    spec = importlib.util.spec_from_file_location(
        "bench_lazy_adam", os.path.join(HERE, "lazy_adam.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def state_bytes(optimizer):
    total = 0
    for v in optimizer.variables:
        n = 1
        for d in v.shape:
            n *= d
        total += n * ITEMSIZE[v.dtype]
    return total


# -- one optimizer's step (in a subprocess) -----------------------------------
def _stepper(backend, optimizer, variables, grads):
    """A zero-argument function running one step and waiting for it."""
    if backend == "jax":
        import jax

        def apply(optimizer_values, values, gs):
            new_values, new_optimizer = optimizer.stateless_apply(
                optimizer_values, gs, values)
            return new_optimizer, new_values

        apply = jax.jit(apply, donate_argnums=(0, 1))
        # XLA-owned, written copies (see bench/lazy_adam.py).
        state = [jax.block_until_ready((
            [jax.numpy.copy(v.value) for v in optimizer.variables],
            [jax.numpy.copy(v.value) for v in variables]))]

        def step():
            state[0] = apply(*state[0], grads)
            jax.block_until_ready(state[0])

        return step
    if backend == "tensorflow":
        last = variables[-1]

        def step():
            optimizer.apply(grads, variables)
            last.value[:1, ...].numpy()  # wait for the step

        return step
    import torch

    def step():
        with torch.no_grad():
            optimizer.apply(grads, variables)

    return step


def _in_turn(steppers, steps):
    """Median seconds of each stepper's step, the steppers stepping in
    turn, after `WARMUP` rounds."""
    times = {name: [] for name in steppers}
    for i in range(WARMUP + steps):
        for name, step in steppers.items():
            start = time.perf_counter()
            step()
            if i >= WARMUP:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def dense_case(backend, steps):
    import keras

    import kerasoptim

    rng = np.random.default_rng(0)
    n, size = 10, 1_000_000
    grads = [keras.ops.convert_to_tensor(
        rng.standard_normal(size, dtype=np.float32)) for _ in range(n)]
    makers = {"keras.optimizers.Adam": lambda: keras.optimizers.Adam(1e-3),
              "kerasoptim.Adam/float32": lambda: kerasoptim.Adam(1e-3),
              "kerasoptim.Adam/bfloat16": lambda: kerasoptim.Adam(
                  1e-3, moment_dtype="bfloat16")}
    steppers, state = {}, {}
    for name, make in makers.items():
        init = np.random.default_rng(1)
        variables = [keras.Variable(init.standard_normal(size,
                                                         dtype=np.float32))
                     for _ in range(n)]
        optimizer = make()
        optimizer.build(variables)
        state[name] = state_bytes(optimizer)
        steppers[name] = _stepper(backend, optimizer, variables, grads)
    ms = _in_turn(steppers, steps)
    return {name: {"state": state[name], "ms": 1e3 * ms[name]}
            for name in makers}


def lazy_case(backend, steps, rows=1_000_000, dim=64, touched=1024):
    import keras

    import kerasoptim

    kind = {"tensorflow": "indexed_slices"}.get(backend, "dense")
    grad = _lazy_bench()._gradient(backend, kind, rows, dim, touched)
    steppers, state = {}, {}
    names = {"kerasoptim.LazyAdam/float32": None,
             "kerasoptim.LazyAdam/bfloat16": "bfloat16"}
    for name, moment_dtype in names.items():
        init = np.random.default_rng(1).standard_normal((rows, dim),
                                                        dtype=np.float32)
        table = keras.Variable(init, name="embeddings")
        del init
        optimizer = kerasoptim.LazyAdam(1e-3, moment_dtype=moment_dtype)
        optimizer.build([table])
        state[name] = state_bytes(optimizer)
        steppers[name] = _stepper(backend, optimizer, [table], [grad])
    ms = _in_turn(steppers, steps)
    return {name: {"state": state[name], "ms": 1e3 * ms[name],
                   "gradient": kind} for name in names}


# The data and model of vignettes/articles/lazy-adam.Rmd (its Python tab).
def ratings():
    rng = np.random.default_rng(0)
    n_users, n_items, n_ratings, dim = 1_000, 500, 30_000, 8
    users = rng.integers(0, n_users, n_ratings)
    items = rng.integers(0, n_items, n_ratings)
    taste_u = rng.standard_normal((n_users, 4))
    taste_i = rng.standard_normal((n_items, 4))
    liked = ((taste_u[users] * taste_i[items]).sum(axis=1) > 0
             ).astype("float32")
    return (n_users, n_items, dim), (users, items), liked


def two_towers(n_users, n_items, dim):
    import keras

    user = keras.Input(shape=(), dtype="int32")
    item = keras.Input(shape=(), dtype="int32")
    u = keras.layers.Embedding(n_users, dim)(user)
    i = keras.layers.Embedding(n_items, dim)(item)
    logit = keras.layers.Dot(axes=1)([u, i])
    return keras.Model([user, item], logit)


def two_tower_case(backend, steps, epochs=5):
    import keras

    import kerasoptim

    sizes, x, y = ratings()
    out = {}
    for name, moment_dtype in (("float32", None), ("bfloat16", "bfloat16")):
        keras.utils.set_random_seed(1)
        model = two_towers(*sizes)
        optimizer = kerasoptim.LazyAdam(learning_rate=0.01,
                                        moment_dtype=moment_dtype)
        model.compile(optimizer=optimizer,
                      loss=keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
        start = time.perf_counter()
        history = model.fit(list(x), y, epochs=epochs, batch_size=256,
                            validation_split=0.1, verbose=0)
        seconds = time.perf_counter() - start
        last = {k: float(v[-1]) for k, v in history.history.items()}
        out[name] = {"loss": last["loss"],
                     "accuracy": last["binary_accuracy"],
                     "val_loss": last["val_loss"],
                     "val_accuracy": last["val_binary_accuracy"],
                     "fit_s": seconds, "state": state_bytes(optimizer)}
    return out


CASES = {"dense": dense_case, "lazy": lazy_case, "two_tower": two_tower_case}


# -- the tables (parent process) ----------------------------------------------
def _run(backend, case, steps):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    command = [sys.executable, os.path.abspath(__file__), "--worker",
               json.dumps([backend, case, steps])]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    for line in done.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            return json.loads(line), seconds
    error = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": error[:100]}, seconds


def _mb(n):
    return f"{n / 1e6:.1f}"


def _step_rows(backend, case, result):
    if "error" in result:
        return [f"| {backend} | {case} | failed: {result['error']} "
                "| | | | |"]
    names = list(result)
    f32 = next(r for n, r in result.items() if n.endswith("/float32"))
    rows = []
    for name in names:
        r = result[name]
        label, _, moments = name.partition("/")
        if not moments:  # Keras' Adam: its own float32 moments
            label, moments = f"{label} (reference)", "float32"
        ratio = (f"{r['state'] / f32['state']:.2f}x",
                 f"{r['ms'] / f32['ms']:.2f}x") if name.startswith(
                     "kerasoptim") else ("", f"{r['ms'] / f32['ms']:.2f}x")
        rows.append(f"| {backend} | {case} | {label} | {moments} "
                    f"| {_mb(r['state'])} | {ratio[0]} "
                    f"| {r['ms']:.2f} | {ratio[1]} |")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--cases", default="dense,lazy,two_tower")
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        backend, case, steps = json.loads(args.worker)
        try:
            print(json.dumps(CASES[case](backend, steps)))
        except Exception as error:  # reported in the table
            print(json.dumps({"error": f"{type(error).__name__}: "
                                       f"{str(error).splitlines()[0][:80]}"}))
        return

    backends = args.backends.split(",")
    cases = args.cases.split(",")
    began = time.perf_counter()
    step_rows, towers, seconds = [], {}, {}
    for backend in backends:
        for case in cases:
            result, seconds[backend, case] = _run(backend, case, args.steps)
            if case == "two_tower":
                towers[backend] = result
            else:
                step_rows += _step_rows(
                    backend, {"dense": "dense 10 x 1M",
                              "lazy": "table 1M x 64, 1,024 rows"}[case],
                    result)
            print(f"# {backend} {case}: {seconds[backend, case]:.0f} s",
                  file=sys.stderr, flush=True)

    if step_rows:
        print("Optimizer state and one step (median of "
              f"{args.steps} after {WARMUP} warm-up steps; the optimizers of "
              "a row group step in turn in one process):\n")
        print("| backend | variables | optimizer | moments | state MB "
              "| vs f32 | ms/step | vs f32 |")
        print("|---|---|---|---|--:|--:|--:|--:|")
        print("\n".join(step_rows))
        print()
    if towers:
        print("The two-tower model of the LazyAdam article, LazyAdam("
              "learning_rate=0.01), 5 epochs, the last epoch's values:\n")
        print("| backend | moments | loss | accuracy | val loss "
              "| val accuracy | fit() s | state MB |")
        print("|---|---|--:|--:|--:|--:|--:|--:|")
        notes = []
        for backend, result in towers.items():
            if "error" in result:
                print(f"| {backend} | failed: {result['error']} "
                      "| | | | | | |")
                continue
            for moments, r in result.items():
                print(f"| {backend} | {moments} | {r['loss']:.4f} "
                      f"| {r['accuracy']:.4f} | {r['val_loss']:.4f} "
                      f"| {r['val_accuracy']:.4f} | {r['fit_s']:.1f} "
                      f"| {r['state'] / 1e6:.3f} |")
            a, b = result["float32"], result["bfloat16"]
            notes.append(
                f"{backend}: bfloat16 - float32: loss {b['loss'] - a['loss']:+.4f}, "
                f"accuracy {b['accuracy'] - a['accuracy']:+.4f}, val loss "
                f"{b['val_loss'] - a['val_loss']:+.4f}, val accuracy "
                f"{b['val_accuracy'] - a['val_accuracy']:+.4f}")
        print()
        print("\n".join(notes))
        print()
    print("Subprocess seconds: " + ", ".join(
        f"{b} {c} {s:.0f}" for (b, c), s in seconds.items())
        + f"; total {time.perf_counter() - began:.0f} s.")


if __name__ == "__main__":
    main()
