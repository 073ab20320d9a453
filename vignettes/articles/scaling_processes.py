"""Two processes on this machine train one model together with kerasoptim,
talking over the loopback interface as they would over a network.

    python scaling_processes.py tensorflow  # MultiWorkerMirroredStrategy
    python scaling_processes.py jax         # keras.distribution

starts both processes, waits for them (at most 5 minutes; both are stopped
if one fails) and prints what process 0 reports. TensorFlow: AdamW under
MultiWorkerMirroredStrategy (ring collectives); JAX: LazyAdam under
keras.distribution (gloo collectives), the embedding table's rows split
between the processes. On a cluster, run `worker()` once on each machine
with the addresses of all of them instead.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time


def say(*args):
    """Print to the file the starting process reads (libraries write to
    standard output too), or to standard output when run by hand."""
    report = os.environ.get("SCALING_REPORT")
    if report is None:
        print(*args)
    else:
        with open(report, "a") as out:
            print(*args, file=out)


def worker(backend, index, ports):
    if backend == "tensorflow":
        tensorflow_worker(index, ports)
    else:
        jax_worker(index, ports[0])


def tensorflow_worker(index, ports):
    # Every worker gets the whole cluster and its own place in it.
    os.environ["TF_CONFIG"] = json.dumps({
        "cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
        "task": {"type": "worker", "index": index}})
    import keras
    import numpy as np
    import tensorflow as tf

    import kerasoptim

    ring = tf.distribute.experimental.CommunicationImplementation.RING
    strategy = tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=tf.distribute.experimental.CommunicationOptions(
            implementation=ring))
    fit_reduce_fix(strategy)

    keras.utils.set_random_seed(0)  # the same numbers on every run
    rng = np.random.default_rng(0)  # the same data in every worker: fit()
    x = rng.standard_normal((512, 8)).astype("float32")  # gives each its part
    y = (x @ rng.standard_normal((8, 1))).astype("float32")
    with strategy.scope():
        model = keras.Sequential([keras.Input((8,)),
                                  keras.layers.Dense(32, activation="relu"),
                                  keras.layers.Dense(1)])
        model.compile(optimizer=kerasoptim.AdamW(learning_rate=0.01),
                      loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    slot = next(v for v in model.optimizer.variables if "momentum" in v.path)
    if index == 0:
        say("replicas in sync:", strategy.num_replicas_in_sync)
        say("slot:", slot.path, type(slot.value).__name__)
        say("loss per epoch:",
            [round(v, 4) for v in history.history["loss"]])


def fit_reduce_fix(strategy):
    """Keras 3.15's `fit()` hands `MultiWorkerMirroredStrategy.reduce()` a
    whole `(x, y)` batch and `axis=0` for a scalar loss, which it refuses
    (keras-team/keras#20585). Reduce one tensor at a time, a scalar over the
    replicas: what `fit()` means."""
    import tensorflow as tf

    reduce = strategy.reduce

    def reduce_each(reduce_op, value, axis=None):
        def one(v):
            rank = strategy.experimental_local_results(v)[0].shape.rank
            return reduce(reduce_op, v, axis if rank else None)
        return tf.nest.map_structure(one, value)

    strategy.reduce = reduce_each


def jax_worker(index, port):
    import jax

    # Collectives between CPU processes: gloo (JAX 0.10's default, named
    # here for versions whose default was none).
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    import keras
    import numpy as np
    from keras import distribution

    import kerasoptim

    keras.utils.set_random_seed(0)  # the same initial weights everywhere
    distribution.initialize(f"127.0.0.1:{port}", num_processes=2,
                            process_id=index)
    devices = distribution.list_devices("cpu")  # both processes' devices
    mesh = distribution.DeviceMesh((2,), ["batch"], devices)
    layout = distribution.LayoutMap(mesh)
    # The table's rows split between the processes (the key must match the
    # variable's whole path).
    layout[".*table/embeddings"] = ("batch", None)
    distribution.set_distribution(distribution.ModelParallel(
        layout_map=layout, batch_dim_name="batch",
        auto_shard_dataset=False))  # each process reads its own samples

    values = np.random.default_rng(0).standard_normal(1000)
    rng = np.random.default_rng(1 + index)
    x = rng.integers(0, 1000, size=(1024, 4)).astype("int32")
    y = values[x].mean(axis=1, keepdims=True).astype("float32")
    model = keras.Sequential([keras.Input((4,), dtype="int32"),
                              keras.layers.Embedding(1000, 16, name="table"),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1)])
    model.compile(optimizer=kerasoptim.LazyAdam(learning_rate=0.01),
                  loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    table = model.get_layer("table").embeddings.value
    slot = next(v for v in model.optimizer.variables
                if "table" in v.path).value
    if index == 0:
        say("processes:", jax.process_count(), "devices:", devices)
        say("table sharding:", table.sharding.spec, "rows in this process:",
            table.addressable_shards[0].data.shape)
        say("slot sharding: ", slot.sharding.spec)
        say("loss per epoch:",
            [round(v, 4) for v in history.history["loss"]])


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def main(backend, timeout=300):
    ports = free_ports(2 if backend == "tensorflow" else 1)
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.txt")
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3",
                   SCALING_REPORT=report)
        env.pop("XLA_FLAGS", None)  # one device per process
        errs = [open(os.path.join(tmp, f"{i}.err"), "w+") for i in (0, 1)]
        procs = [subprocess.Popen(
            [sys.executable, __file__, backend, str(i), *map(str, ports)],
            stdout=subprocess.DEVNULL, stderr=errs[i], env=env)
            for i in (0, 1)]
        deadline = time.monotonic() + timeout
        while (any(p.poll() is None for p in procs)
               and not any(p.returncode for p in procs)
               and time.monotonic() < deadline):
            time.sleep(0.1)
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        for i, (p, err) in enumerate(zip(procs, errs)):
            err.seek(0)
            tail = err.read()[-2000:]
            err.close()
            if p.returncode != 0:
                sys.exit(f"process {i} failed ({p.returncode}):\n{tail}")
        with open(report) as f:
            print(f.read(), end="")


if __name__ == "__main__":
    if len(sys.argv) == 2:
        main(sys.argv[1])
    else:
        worker(sys.argv[1], int(sys.argv[2]), [int(p) for p in sys.argv[3:]])
