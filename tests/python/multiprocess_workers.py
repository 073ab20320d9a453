"""The processes that `test_multiprocess.py` starts, and the runs it compares
them with. Run as a script, one process of a group:

    python multiprocess_workers.py tf-worker INDEX PORT0,PORT1 OUT
    python multiprocess_workers.py tf-mirrored OUT
    python multiprocess_workers.py jax-worker INDEX PORT OPTIMIZER OUT

Each writes its results to files under OUT (never to stdout, which the test
does not read) and exits 0 only when it finished. Imported, the module gives
the test the same data, model and initial weights (`tf_model()`,
`jax_model()`) for its one-process runs; it imports no backend at import.
"""

import json
import os
import pathlib
import sys

import numpy as np

# The Scaling out article's workaround for Keras 3.15's `fit()` under
# `MultiWorkerMirroredStrategy` (keras-team/keras#20585), the one its
# readers run.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]
                       / "vignettes" / "articles"))
from scaling_processes import fit_reduce_fix  # noqa: E402

TF_OPTIMIZERS = ("Adam", "AdamW", "Adamax")
TF_EPOCHS, TF_BATCH = 2, 16      # 64 samples: 4 global steps an epoch
JAX_EPOCHS, JAX_BATCH = 2, 8     # 32 samples: 4 global steps an epoch
TF_SAVED = "AdamW"               # the TensorFlow run that is saved


def tf_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 8)).astype("float32")
    y = (x @ rng.standard_normal((8, 1))).astype("float32")
    return x, y


def tf_model(name):
    """A small dense model with fixed initial weights and kerasoptim's
    `name`, compiled (in the caller's strategy scope, if any)."""
    import keras
    import kerasoptim

    model = keras.Sequential([keras.Input((8,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)])
    rng = np.random.default_rng(1)
    model.set_weights([(rng.standard_normal(w.shape) * 0.3).astype("float32")
                       for w in model.weights])
    model.compile(optimizer=getattr(kerasoptim, name)(learning_rate=0.01),
                  loss="mse")
    return model


def jax_data():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 64, size=(32, 3)).astype("int32")  # every shard's rows
    y = rng.standard_normal((32, 1)).astype("float32")
    return x, y


def jax_model(name):
    """An embedding table of 64 rows (named `table`) under a dense head,
    fixed initial weights, kerasoptim's `name`, compiled."""
    import keras
    import kerasoptim

    model = keras.Sequential([keras.Input((3,), dtype="int32"),
                              keras.layers.Embedding(64, 8, name="table"),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1)])
    rng = np.random.default_rng(1)
    model.set_weights([rng.standard_normal(w.shape).astype("float32")
                       for w in model.weights])
    model.compile(optimizer=getattr(kerasoptim, name)(learning_rate=0.05),
                  loss="mse")
    return model


def _tf_fit_all(strategy, out, save):
    x, y = tf_data()
    results = {}
    for name in TF_OPTIMIZERS:
        with strategy.scope():
            model = tf_model(name)
        history = model.fit(x, y, epochs=TF_EPOCHS, batch_size=TF_BATCH,
                            shuffle=False, verbose=0)
        for i, w in enumerate(model.get_weights()):
            results[f"{name}/{i}"] = w
        results[f"{name}/loss"] = np.array(history.history["loss"])
        results[f"{name}/replicas"] = np.array(strategy.num_replicas_in_sync)
        if save and name == TF_SAVED:
            model.save(os.path.join(out, "tf_saved.keras"))
    return results


def tf_worker(index, ports, out):
    """One of two `MultiWorkerMirroredStrategy` workers (one CPU each, ring
    collectives over loopback), `fit()` with each optimizer."""
    os.environ["TF_CONFIG"] = json.dumps({
        "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports.split(",")]},
        "task": {"type": "worker", "index": int(index)}})
    import tensorflow as tf

    impl = tf.distribute.experimental.CommunicationImplementation.RING
    strategy = tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=tf.distribute.experimental.CommunicationOptions(
            implementation=impl))
    fit_reduce_fix(strategy)
    results = _tf_fit_all(strategy, out, save=int(index) == 0)
    np.savez(os.path.join(out, f"tf_worker{index}.npz"), **results)


def tf_mirrored(out):
    """The same runs under `MirroredStrategy` over two logical CPUs of one
    process."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"])
    np.savez(os.path.join(out, "tf_mirrored.npz"),
             **_tf_fit_all(strategy, out, save=False))


def local_rows(x, index, processes=2, batch=JAX_BATCH):
    """Process `index`'s part of every global batch of `x` (its rows in the
    global batch, in order), as `jax.make_array_from_process_local_data`
    puts them back together."""
    per = batch // processes
    return x.reshape(-1, processes, per, *x.shape[1:])[:, index].reshape(
        -1, *x.shape[1:])


def jax_worker(index, port, name, out):
    """One of two JAX processes (one CPU device each, gloo collectives over
    loopback) under `keras.distribution.ModelParallel`: the embedding
    table's rows split between the processes, each batch too."""
    import jax

    # gloo: JAX 0.10's default for collectives between CPU processes.
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    import keras
    from jax.experimental import multihost_utils
    from jax.sharding import PartitionSpec
    from keras import distribution

    index = int(index)
    keras.utils.set_random_seed(2)  # before initialize(): no seed exchange
    distribution.initialize(f"127.0.0.1:{port}", num_processes=2,
                            process_id=index)
    devices = distribution.list_devices("cpu")
    assert len(devices) == 2 and jax.local_device_count() == 1, devices
    mesh = distribution.DeviceMesh((2,), ["batch"], devices)
    layout = distribution.LayoutMap(mesh)
    layout[".*table/embeddings"] = ("batch", None)  # a full match of the path
    distribution.set_distribution(distribution.ModelParallel(
        layout_map=layout, batch_dim_name="batch",
        auto_shard_dataset=False))  # each process passes its own rows

    model = jax_model(name)
    x, y = jax_data()
    history = model.fit(local_rows(x, index), local_rows(y, index),
                        epochs=JAX_EPOCHS, batch_size=JAX_BATCH // 2,
                        shuffle=False, verbose=0)

    table = model.get_layer("table").embeddings.value
    slots = [v for v in model.optimizer.variables if "table" in v.path]
    assert table.sharding.spec == PartitionSpec("batch", None), table.sharding
    assert len(slots) == 2, slots  # momentum and velocity, split alike
    assert all(s.value.sharding.spec == table.sharding.spec for s in slots)

    def gather(variables):  # whole values, from both processes' shards
        return [np.asarray(multihost_utils.process_allgather(
            v.value, tiled=True)) for v in variables]

    weights = gather(model.weights)
    slot_values = gather(model.optimizer.variables)
    results = {f"{i}": w for i, w in enumerate(weights)}
    results["loss"] = np.array(history.history["loss"])
    results["local_table_rows"] = np.array(
        [s.data.shape[0] for s in table.addressable_shards])
    results["table_fully_addressable"] = np.array(table.is_fully_addressable)
    np.savez(os.path.join(out, f"jax_worker{index}.npz"), **results)

    if index == 0:
        # A .keras file holds whole arrays: process 0 copies the gathered
        # weights and optimizer state into the same model on its own device
        # and saves that.
        distribution.set_distribution(None)
        copy = jax_model(name)
        copy.set_weights(weights)
        copy.optimizer.build(copy.trainable_variables)
        for variable, value in zip(copy.optimizer.variables, slot_values):
            variable.assign(value)
        copy.save(os.path.join(out, "jax_saved.keras"))


if __name__ == "__main__":
    role, args = sys.argv[1], sys.argv[2:]
    {"tf-worker": tf_worker, "tf-mirrored": tf_mirrored,
     "jax-worker": jax_worker}[role](*args)
