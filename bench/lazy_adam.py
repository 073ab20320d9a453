"""One optimizer step on a large embedding table: Keras' Adam, kerasoptim's
Adam and kerasoptim's LazyAdam, on TensorFlow, JAX and PyTorch.

The table is 1,000,000 x 64 float32 (256 MB; Adam's slots are twice that)
and the gradient touches 1,024 distinct rows:

- TensorFlow: a `tf.IndexedSlices` (what an `Embedding` lookup produces),
  applied eagerly (`optimizer.apply`) and in a `tf.function` (as in `fit()`).
- JAX: the dense gradient Keras produces (1,024 nonzero rows) and a `BCOO`,
  applied with `stateless_apply` under `jax.jit` with donated buffers (as in
  `fit()`).
- PyTorch: the dense gradient Keras produces and a sparse COO tensor,
  applied eagerly (as in `fit()`).

Each (backend, mode, gradient, optimizer) runs in its own subprocess. The
time is the median of several steps after two warm-up steps
(`time.perf_counter`). The peak memory is what the steps add: the process'
peak resident set size over all steps, warm-up included (reset through
/proc/self/clear_refs just before them), minus its resident set size then;
the table, the optimizer's slots and the gradient exist before and are not
counted, while temporaries (and, on JAX and in a `tf.function`, what
tracing and compiling take) are.

Usage: python bench/lazy_adam.py [--backends tensorflow,jax,torch]
                                  [--rows 1000000] [--dim 64] [--touched 1024]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

OPTIMIZERS = ("keras_adam", "adam", "lazy_adam")
LABELS = {"keras_adam": "keras.optimizers.Adam", "adam": "kerasoptim.Adam",
          "lazy_adam": "kerasoptim.LazyAdam"}
# backend -> [(mode, gradient kind)]
CASES = {
    "tensorflow": [("eager", "indexed_slices"),
                   ("tf.function", "indexed_slices")],
    "jax": [("jit", "dense"), ("jit", "bcoo")],
    "torch": [("eager", "dense"), ("eager", "sparse_coo")],
}


# -- memory -------------------------------------------------------------------
def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# -- one measurement (in a subprocess) ----------------------------------------
def _gradient(backend, kind, rows, dim, touched, seed=0):
    rng = np.random.default_rng(seed)
    indices = np.sort(rng.choice(rows, size=touched, replace=False))
    values = rng.standard_normal((touched, dim), dtype=np.float32)
    if kind == "indexed_slices":
        import tensorflow as tf

        return tf.IndexedSlices(tf.constant(values),
                                tf.constant(indices, dtype=tf.int64),
                                tf.constant([rows, dim], dtype=tf.int64))
    if kind == "bcoo":
        import jax.numpy as jnp
        from jax.experimental import sparse

        return sparse.BCOO(
            (jnp.asarray(values), jnp.asarray(indices[:, None])),
            shape=(rows, dim))
    if kind == "sparse_coo":
        import torch

        return torch.sparse_coo_tensor(torch.as_tensor(indices)[None],
                                       torch.as_tensor(values), (rows, dim))
    dense = np.zeros((rows, dim), dtype=np.float32)
    dense[indices] = values
    if backend == "jax":
        import jax.numpy as jnp

        return jnp.asarray(dense)
    import torch

    return torch.as_tensor(dense)


def _step_function(backend, mode, optimizer, table, grad):
    """A zero-argument function running one step and waiting for it."""
    if backend == "tensorflow":
        import tensorflow as tf

        def step():
            optimizer.apply([grad], [table])

        return tf.function(step) if mode == "tf.function" else step
    if backend == "jax":
        import jax

        def apply(optimizer_values, table_values, g):
            new_table, new_optimizer = optimizer.stateless_apply(
                optimizer_values, [g], table_values)
            return new_optimizer, new_table

        apply = jax.jit(apply, donate_argnums=(0, 1))
        # XLA-owned, written copies of everything, made before measuring: a
        # table made from NumPy may share its memory (not donatable), and
        # zeros may sit in pages never written yet.
        state = [jax.block_until_ready((
            [jax.numpy.copy(v.value) for v in optimizer.variables],
            [jax.numpy.copy(table.value)]))]

        def step():
            state[0] = apply(*state[0], grad)
            jax.block_until_ready(state[0])

        return step
    import torch

    def step():
        with torch.no_grad():
            optimizer.apply([grad], [table])

    return step


def measure(backend, mode, kind, name, rows, dim, touched):
    import keras

    import kerasoptim

    classes = {"keras_adam": keras.optimizers.Adam, "adam": kerasoptim.Adam,
               "lazy_adam": kerasoptim.LazyAdam}
    init = np.random.default_rng(1).standard_normal((rows, dim),
                                                    dtype=np.float32)
    # Named as Keras' `Embedding` names its table: LazyAdam's rows are lazy
    # for a dense gradient too.
    table = keras.Variable(init, name="embeddings")
    del init
    grad = _gradient(backend, kind, rows, dim, touched)
    optimizer = classes[name](learning_rate=1e-3)
    optimizer.build([table])
    step = _step_function(backend, mode, optimizer, table, grad)

    exact_peak = _reset_peak()
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    step()  # warm-up: tracing, compilation
    first = time.perf_counter() - start
    step()
    times = []
    budget = 3.0 if first < 1.0 else 8.0
    while len(times) < 3 or (sum(times) < budget and len(times) < 25):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    peak = _status_kb("VmHWM")
    return {"ms": 1e3 * statistics.median(times), "steps": len(times),
            "peak_mb": (peak - before) / 1024, "exact_peak": exact_peak}


# -- the table (parent process) -----------------------------------------------
def _run_case(backend, mode, kind, name, args):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    command = [sys.executable, os.path.abspath(__file__), "--worker",
               json.dumps([backend, mode, kind, name, args.rows, args.dim,
                           args.touched])]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    for line in done.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            return json.loads(line)
    error = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": error[:70]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--touched", type=int, default=1024)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        try:
            print(json.dumps(measure(*json.loads(args.worker))))
        except Exception as error:  # reported in the table
            print(json.dumps({"error": f"{type(error).__name__}: "
                                       f"{str(error).splitlines()[0][:60]}"}))
        return

    print(f"table {args.rows:,} x {args.dim} float32, gradient touching "
          f"{args.touched:,} rows; one step, median after warm-up\n")
    header = (f"{'backend':<11}{'mode':<12}{'gradient':<15}{'optimizer':<23}"
              f"{'ms/step':>10}{'vs Keras':>10}{'peak MB':>10}")
    print(header)
    print("-" * len(header))
    keras_ms = {}  # backend -> Keras' Adam time on its first gradient kind
    for backend in args.backends.split(","):
        for mode, kind in CASES[backend]:
            results = {}
            for name in OPTIMIZERS:
                result = results[name] = _run_case(backend, mode, kind, name,
                                                   args)
                prefix = f"{backend:<11}{mode:<12}{kind:<15}{LABELS[name]:<23}"
                if "error" in result:
                    print(f"{prefix}  failed: {result['error']}", flush=True)
                    continue
                if name == "keras_adam":
                    keras_ms.setdefault(backend, result["ms"])
                base, mark = results["keras_adam"].get("ms"), ""
                if base is None:  # Keras failed here: its dense-gradient time
                    base, mark = keras_ms.get(backend), "+"
                ratio = f"{base / result['ms']:.1f}x{mark}" if base else "-"
                star = "" if result["exact_peak"] else "*"
                print(f"{prefix}{result['ms']:>10.2f}{ratio:>10}"
                      f"{result['peak_mb']:>9.0f}{star:1}", flush=True)
    print("\nvs Keras: Keras' Adam time / this time, same backend, mode and "
          "gradient\n(+: Keras' Adam fails on this gradient; its time on the "
          "backend's first one).\npeak MB: resident memory the steps add at "
          "their peak (*: peak since process start,\n/proc/self/clear_refs "
          "unavailable).")


if __name__ == "__main__":
    main()
