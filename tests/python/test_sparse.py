"""Sparse gradients with repeated rows give exactly the dense result.

Keras 3.15's own Adam squares repeated `tf.IndexedSlices` rows before summing
them, so an embedding trains differently on TensorFlow than on JAX/PyTorch.
Ours sums repeated rows first, on every backend (TF IndexedSlices, JAX BCOO,
torch sparse COO): these tests compare against the dense gradient and a
NumPy reference, not against Keras."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import keras
from keras import ops

import reference
from helpers import BACKEND, PAIRS, assert_all_close, numpy_list

ROWS = np.array([1, 1, 2, 1, 3, 1])
SHAPE = (5, 2)


def sparse_gradient(values, rows, shape):
    """The backend's own sparse type, rows repeated as given."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.IndexedSlices(tf.constant(values), tf.constant(rows),
                                tf.constant(shape, dtype="int64"))
    if BACKEND == "jax":
        from jax.experimental import sparse

        return sparse.BCOO((values, rows[:, None]), shape=shape)
    import torch

    return torch.sparse_coo_tensor(torch.tensor(rows[None, :]),
                                   torch.tensor(values), size=shape)


def dense_gradient(values, rows, shape):
    dense = np.zeros(shape, dtype="float32")
    np.add.at(dense, rows, values)
    return dense


@pytest.mark.parametrize("options", [{}, {"clipnorm": 0.5},
                                     {"global_clipnorm": 0.5}],
                         ids=["plain", "clipnorm", "global_clipnorm"])
@pytest.mark.parametrize("algo", sorted(PAIRS))
def test_repeated_rows_equal_dense_gradient(algo, options):
    cls = PAIRS[algo][0]
    rng = np.random.default_rng(0)
    start = rng.normal(size=SHAPE).astype("float32")
    sparse_var, dense_var = keras.Variable(start), keras.Variable(start)
    sparse_opt, dense_opt = cls(**options), cls(**options)
    for _ in range(4):
        values = rng.normal(size=(len(ROWS), SHAPE[1])).astype("float32")
        sparse_opt.apply([sparse_gradient(values, ROWS, SHAPE)], [sparse_var])
        dense_opt.apply([ops.convert_to_tensor(
            dense_gradient(values, ROWS, SHAPE))], [dense_var])
    assert_all_close(numpy_list([sparse_var]), numpy_list([dense_var]))
    assert not np.allclose(ops.convert_to_numpy(sparse_var)[1], start[1])


# --- an Embedding trained with fit(): the example -----------------
IDS = np.array([[1, 1, 1], [1, 2, 1]])
TARGET = np.array([[1.0, -1.0], [0.5, 0.5]], dtype="float32")
INIT = np.arange(8, dtype="float32").reshape(4, 2) / 10
LR, EPOCHS = 0.1, 5


def train_embedding(optimizer):
    """Embedding -> average -> MSE, trained with fit(); final table."""
    model = keras.Sequential([
        keras.Input((3,), dtype="int32"),
        keras.layers.Embedding(
            4, 2, embeddings_initializer=keras.initializers.Constant(INIT)),
        keras.layers.GlobalAveragePooling1D(),
    ])
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(IDS, TARGET, epochs=EPOCHS, batch_size=2, verbose=0)
    return ops.convert_to_numpy(model.layers[0].embeddings)


def embedding_reference(algo):
    """The same training in NumPy, gradient formed densely."""
    table = INIT.copy()
    state = dict(m=np.zeros_like(table), v=np.zeros_like(table),
                 v_hat=np.zeros_like(table), u=np.zeros_like(table))
    for step in range(1, EPOCHS + 1):
        pred = table[IDS].mean(axis=1)
        d_pred = 2 * (pred - TARGET) / TARGET.size
        grad = np.zeros_like(table)
        for sample, ids in enumerate(IDS):
            np.add.at(grad, ids, d_pred[sample] / IDS.shape[1])
        grad = grad.astype("float32")
        t, lr = np.float32(step), np.float32(LR)
        if algo == "adamw":
            table = table - table * np.float32(0.004) * lr
        if algo == "adamax":
            table = reference.adamax_step(table, grad, state, t, lr, 0.9,
                                          0.999, np.float32(1e-7))
        else:
            table = reference.adam_step(table, grad, state, t, lr, 0.9, 0.999,
                                        np.float32(1e-7))
    return table


@pytest.mark.parametrize("algo", sorted(PAIRS))
def test_embedding_fit_matches_dense_reference(algo):
    table = train_embedding(PAIRS[algo][0](learning_rate=LR))
    np.testing.assert_allclose(table, embedding_reference(algo), rtol=1e-5,
                               atol=1e-6)


SCRIPT = """
import json, keras, kerasoptim, pathlib, sys
sys.path.insert(0, {here!r})
from test_sparse import train_embedding, LR
pathlib.Path({out!r}).write_text(json.dumps({{
    name: train_embedding(getattr(kerasoptim, name)(learning_rate=LR)).tolist()
    for name in ("Adam", "AdamW", "Adamax")}}))
"""

if BACKEND == "tensorflow":  # one process compares all three backends
    def test_embedding_trains_the_same_on_every_backend(tmp_path):
        here = os.path.dirname(os.path.abspath(__file__))
        tables = {}
        for backend in ("tensorflow", "jax", "torch"):
            env = dict(os.environ, KERAS_BACKEND=backend,
                       TF_CPP_MIN_LOG_LEVEL="3")
            out = tmp_path / f"{backend}.json"  # not stdout: libraries print
            subprocess.run([sys.executable, "-c",
                            SCRIPT.format(here=here, out=str(out))],
                           env=env, check=True, timeout=300)
            tables[backend] = json.loads(out.read_text())
        for name in ("Adam", "AdamW", "Adamax"):
            for backend in ("jax", "torch"):
                np.testing.assert_allclose(
                    tables[backend][name], tables["tensorflow"][name],
                    rtol=1e-6, atol=1e-7, err_msg=f"{name} on {backend}")
