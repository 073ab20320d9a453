"""LazyAdam on every backend: TensorFlow Addons' test cases ported to Keras 3,
the NumPy lazy reference, Adam's trajectory when every row is touched, the
machinery around the update (clipping, loss scaling, EMA, accumulation),
embeddings trained with `fit()`, `.keras` files and the factory.

Each backend runs every test here: its sparse gradient kind is TensorFlow's
`IndexedSlices`, JAX's `BCOO` or PyTorch's sparse COO, and `dense` is the
dense gradient Keras hands JAX and PyTorch for an embedding.
"""

import inspect
from unittest import mock

import keras
import numpy as np
import pytest
from keras import ops

import helpers
import kerasoptim
import reference
from helpers import BACKEND, assert_all_close, numpy_list

SPARSE = {"tensorflow": "indexed_slices", "jax": "bcoo",
          "torch": "sparse_coo"}[BACKEND]
KINDS = ["dense", SPARSE]
# Adam's plain keras.ops path where the backend has a fused fast path.
PLAIN_ADAM = ({"fused": False} if BACKEND in getattr(
    helpers, "FAST_PATH_BACKENDS", ()) else {})


def _float64_is_float64():
    if BACKEND != "jax":
        return True
    import jax

    return bool(jax.config.jax_enable_x64)


DTYPES = ["float16", "float32"] + (["float64"] if _float64_is_float64()
                                   else [])
# assertAllCloseAccordingToType's tolerances, as in Addons' tests.
TOLERANCE = {"float16": dict(rtol=1e-3, atol=1e-3),
             "float32": dict(rtol=1e-6, atol=1e-6),
             "float64": dict(rtol=1e-6, atol=1e-6)}


# -- gradients of each kind ---------------------------------------------------
def sparse_gradient(indices, values, shape, dtype="float32"):
    """The backend's sparse gradient: `values[i]` is the slice of row
    `indices[i]` (indices may repeat)."""
    indices = np.asarray(indices, dtype="int64")
    values = np.asarray(values, dtype=dtype)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.IndexedSlices(tf.constant(values), tf.constant(indices),
                                tf.constant(shape, dtype="int64"))
    if BACKEND == "jax":
        import jax.numpy as jnp
        from jax.experimental import sparse

        return sparse.BCOO(
            (jnp.asarray(values), jnp.asarray(indices[:, None])),
            shape=tuple(shape))
    import torch

    return torch.sparse_coo_tensor(torch.as_tensor(indices)[None],
                                   torch.as_tensor(values), tuple(shape))


def dense_of(spec, shape):
    """A gradient spec (a dense array or `(indices, values)`) made dense."""
    if not isinstance(spec, tuple):
        return np.asarray(spec)
    dense = np.zeros(shape, dtype=np.asarray(spec[1]).dtype)
    np.add.at(dense, np.asarray(spec[0]), np.asarray(spec[1]))
    return dense


def gradient(kind, spec, shape, dtype="float32"):
    """A gradient of `kind` from a spec; a dense spec becomes sparse over its
    nonzero rows."""
    if kind == "dense":
        return ops.convert_to_tensor(dense_of(spec, shape).astype(dtype))
    if not isinstance(spec, tuple):
        dense = np.asarray(spec)
        rows = np.flatnonzero(np.any(dense.reshape(len(dense), -1) != 0, 1))
        spec = (rows, dense[rows])
    return sparse_gradient(spec[0], spec[1], shape, dtype)


def run(optimizer, weights, specs, kind, dtype="float32"):
    """Apply a sequence of per-step gradient-spec lists; return variables."""
    variables = [keras.Variable(np.asarray(w, dtype=dtype), dtype=dtype)
                 for w in weights]
    for step in specs:
        optimizer.apply([gradient(kind, s, w.shape, dtype)
                         for s, w in zip(step, weights)], variables)
    return variables


def slots(optimizer, key):
    return numpy_list({"m": optimizer._momentums,
                       "v": optimizer._velocities,
                       "v_hat": getattr(optimizer, "_velocity_hats", None),
                       }[key])


def random_sparse_steps(steps, shape, rows, seed=0):
    """Per-step sparse specs on `rows` only (repeats included), scale
    swinging from step to step."""
    rng = np.random.default_rng(seed)
    out = []
    for t in range(steps):
        picked = rng.choice(rows, size=len(rows) + 1)
        values = rng.normal(size=(len(picked),) + tuple(shape[1:]))
        out.append((picked, (values * (1.5 + np.sin(t))).astype("float32")))
    return out


# -- TensorFlow Addons' test cases, ported ------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_addons_sparse(kind, dtype):
    """Addons' test_sparse: 3 steps on gradients at indices [0, 2] match
    NumPy Adam there; index 1 is never touched."""
    var0, var1 = np.array([1.0, 1.0, 2.0]), np.array([3.0, 3.0, 4.0])
    indices = np.array([0, 2])
    grads0 = (indices, np.array([0.1, 0.1]))
    grads1 = (indices, np.array([0.01, 0.01]))
    optimizer = kerasoptim.LazyAdam()
    variables = run(optimizer, [var0, var1], [[grads0, grads1]] * 3, kind,
                    dtype)
    expected, states = reference.lazy_adam_run(
        [var0, var1], [[grads0, grads1]] * 3)
    actual = numpy_list(variables)
    assert_all_close(actual, expected, **TOLERANCE[dtype])
    assert actual[0][1] == 1.0 and actual[1][1] == 3.0
    assert all(v.dtype == dtype for v in variables)
    for key in ("m", "v"):
        assert_all_close(slots(optimizer, key), [s[key] for s in states],
                         **TOLERANCE[dtype])
        assert all(s[1] == 0 for s in slots(optimizer, key))


@pytest.mark.parametrize("dtype", DTYPES)
def test_addons_sparse_repeated_indices(dtype):
    """Addons' test_sparse_repeated_indices: a repeated index updates like
    its aggregated gradient (and like the dense gradient)."""
    var = np.array([[1.0], [2.0]])
    repeated = ([1, 1], [[0.1], [0.1]])
    aggregated = ([1], [[0.2]])
    results = []
    for spec, kind in [(repeated, SPARSE), (aggregated, SPARSE),
                       (aggregated, "dense")]:
        optimizer = kerasoptim.LazyAdam()
        results.append(numpy_list(run(optimizer, [var], [[spec]] * 3, kind,
                                      dtype))[0]
                       + slots(optimizer, "m") + slots(optimizer, "v"))
    assert_all_close(results[0], results[1], **TOLERANCE[dtype])
    assert_all_close(results[0], results[2], **TOLERANCE[dtype])
    assert results[0][0][0] == 1.0


LEARNING_RATES = {
    "callable": (lambda: 0.01, {}),
    "tensor": (lambda: ops.convert_to_tensor(0.01), {}),
    "callable_betas": (lambda: 0.01, {"beta_1": lambda: 0.8,
                                      "beta_2": lambda: 0.99}),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(LEARNING_RATES))
def test_addons_callable_and_tensor_learning_rates(kind, case):
    """Addons' test_callable_params and tensor learning rates."""
    make_lr, betas = LEARNING_RATES[case]
    var = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    specs = [[s] for s in random_sparse_steps(3, var.shape, [0, 2])]
    optimizer = kerasoptim.LazyAdam(learning_rate=make_lr(), **betas)
    actual = numpy_list(run(optimizer, [var], specs, kind))
    ref_betas = {k: v() for k, v in betas.items()}
    expected, _ = reference.lazy_adam_run([var], specs, lr=0.01, **ref_betas)
    assert_all_close(actual, expected)
    np.testing.assert_array_equal(actual[0][1], var[1])


# -- the lazy rule against the NumPy reference --------------------------------
OPTIONS = {
    "defaults": {},
    "amsgrad": {"amsgrad": True},
    "weight_decay": {"weight_decay": 0.1, "learning_rate": 0.01},
    "amsgrad_weight_decay": {"amsgrad": True, "weight_decay": 0.05,
                             "learning_rate": 0.01},
}


def _reference_options(options):
    out = dict(options)
    if "learning_rate" in out:
        out["lr"] = out.pop("learning_rate")
    return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(OPTIONS))
def test_lazy_rule_matches_reference(kind, case):
    """Rows that take part follow Adam (AMSGrad, decoupled decay); the others
    keep weights, m, v and v_hat exactly, decay included."""
    options = OPTIONS[case]
    weights = [np.random.default_rng(3).normal(size=(6, 2, 2)),
               np.random.default_rng(4).normal(size=(5,))]
    weights = [w.astype("float32") for w in weights]
    specs = list(zip(random_sparse_steps(6, (6, 2, 2), [0, 2, 3], seed=1),
                     random_sparse_steps(6, (5,), [1, 4], seed=2)))
    specs[2] = (specs[2][0], ([4], [0.7]))  # v_hat keeps an older maximum
    optimizer = kerasoptim.LazyAdam(**options)
    actual = numpy_list(run(optimizer, weights, specs, kind))
    expected, states = reference.lazy_adam_run(
        weights, specs, **_reference_options(options))
    assert_all_close(actual, expected, what="weights")
    keys = ("m", "v", "v_hat") if options.get("amsgrad") else ("m", "v")
    for key in keys:
        assert_all_close(slots(optimizer, key), [s[key] for s in states],
                         what=key)
    for i, untouched in enumerate(([1, 4, 5], [0, 2, 3])):
        np.testing.assert_array_equal(actual[i][untouched],
                                      weights[i][untouched])
        for key in keys:
            assert not np.any(slots(optimizer, key)[i][untouched])


def test_listed_zero_row_takes_part_dense_zero_row_does_not():
    """The rule's two halves: a listed index takes part even with a zero
    slice (its m decays, its weights move); a zero dense slice does not."""
    var = np.array([[1.0, 1.0], [2.0, 2.0]])
    specs = [[([0, 1], [[0.5, 0.5], [0.3, 0.3]])],
             [([0, 1], [[0.0, 0.0], [0.3, 0.3]])]]
    expected, _ = reference.lazy_adam_run([var], specs, lr=0.1)
    sparse = numpy_list(run(kerasoptim.LazyAdam(learning_rate=0.1), [var],
                            specs, SPARSE))
    dense = numpy_list(run(kerasoptim.LazyAdam(learning_rate=0.1), [var],
                           specs, "dense"))
    assert_all_close(sparse, expected)
    one_step = numpy_list(run(kerasoptim.LazyAdam(learning_rate=0.1), [var],
                              specs[:1], "dense"))
    np.testing.assert_array_equal(dense[0][0], one_step[0][0])
    assert not np.array_equal(sparse[0][0], dense[0][0])


def test_dense_row_with_nan_takes_part():
    """A row is not entirely zero if it holds a NaN: it takes part (its
    other element decays); a row of -0.0 and 0.0 is zero."""
    var = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], dtype="float32")
    spec = np.array([[np.nan, 0.0], [-0.0, 0.0], [0.0, 0.5]], "float32")
    optimizer = kerasoptim.LazyAdam(learning_rate=0.1, weight_decay=0.1)
    result = numpy_list(run(optimizer, [var], [[spec]], "dense"))[0]
    assert np.isnan(result[0, 0]) and not np.isnan(result[2]).any()
    np.testing.assert_allclose(result[0, 1], 0.99, rtol=1e-6)
    np.testing.assert_array_equal(result[1], var[1])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", ["defaults", "amsgrad", "weight_decay"])
def test_every_row_touched_is_adam(kind, case):
    """With every row present each step, LazyAdam's trajectory is Adam's."""
    options = OPTIONS[case]
    shapes = [(7,), (4, 5), (2, 3, 4)]
    rng = np.random.default_rng(5)
    weights = [rng.normal(size=s) for s in shapes]
    steps = []
    for t in range(5):
        step = []
        for s in shapes:
            rows = np.concatenate([rng.permutation(s[0]), [0]])
            values = rng.normal(size=(len(rows),) + s[1:]) * (1.5 + np.sin(t))
            step.append((rows, values.astype("float32")))
        steps.append(step)
    lazy = kerasoptim.LazyAdam(**options)
    lazy_vars = run(lazy, weights, steps, kind)
    # Adam's keras.ops path computes LazyAdam's formulas (rtol 1e-6); a
    # backend's fused Adam kernel rounds in its own order (rtol 1e-5).
    paths = [(PLAIN_ADAM, {})]
    if PLAIN_ADAM:
        paths.append(({}, {"rtol": 1e-5, "atol": 1e-6}))
    for plain, tolerance in paths:
        adam = kerasoptim.Adam(**options, **plain)
        adam_vars = run(adam, weights, steps, "dense")
        assert_all_close(numpy_list(lazy_vars), numpy_list(adam_vars),
                         what="weights", **tolerance)
        assert_all_close(numpy_list(lazy.variables),
                         numpy_list(adam.variables),
                         what="optimizer variables", **tolerance)


# -- around the update --------------------------------------------------------
AROUND = {
    "clipnorm": {"clipnorm": 0.3},
    "global_clipnorm": {"global_clipnorm": 0.4},
    "clipvalue": {"clipvalue": 0.2},
    "loss_scale": {"loss_scale_factor": 64.0},
    "ema": {"use_ema": True, "ema_momentum": 0.5,
            "ema_overwrite_frequency": 3},
    "accumulation": {"gradient_accumulation_steps": 2},
}


@pytest.mark.parametrize("case", sorted(AROUND))
def test_sparse_with_repeats_equals_dense(case):
    """Clipping, loss scaling, EMA and accumulation on a sparse gradient with
    repeated indices give the dense gradient's result."""
    options = AROUND[case]
    weights = [np.random.default_rng(6).normal(size=(6, 3)),
               np.random.default_rng(7).normal(size=(3,))]
    specs = list(zip(random_sparse_steps(4, (6, 3), [0, 1, 4], seed=8),
                     random_sparse_steps(4, (3,), [0, 1, 2], seed=9)))
    results = []
    for kind in (SPARSE, "dense"):
        optimizer = kerasoptim.LazyAdam(learning_rate=0.05, **options)
        variables = run(optimizer, weights, specs, kind)
        results.append((numpy_list(variables),
                        numpy_list(optimizer.variables)))
    assert_all_close(results[0][0], results[1][0], what="weights")
    assert_all_close(results[0][1], results[1][1], what="optimizer variables")
    np.testing.assert_array_equal(results[0][0][0][[2, 3, 5]],
                                  weights[0][[2, 3, 5]].astype("float32"))


@pytest.mark.parametrize("kind", KINDS)
def test_gradient_accumulation_matches_reference(kind):
    weights = [np.random.default_rng(10).normal(size=(6, 2))]
    specs = [[s] for s in random_sparse_steps(6, (6, 2), [1, 3], seed=11)]
    specs[2] = [([5], [[0.4, -0.1]])]  # row 5 appears in one micro-batch
    optimizer = kerasoptim.LazyAdam(learning_rate=0.02,
                                    gradient_accumulation_steps=3)
    actual = numpy_list(run(optimizer, weights, specs, kind))
    expected, states = reference.lazy_adam_run(
        weights, specs, lr=0.02, gradient_accumulation_steps=3)
    assert_all_close(actual, expected)
    assert_all_close(slots(optimizer, "v"), [s["v"] for s in states])
    np.testing.assert_array_equal(actual[0][[0, 2, 4]],
                                  weights[0][[0, 2, 4]].astype("float32"))


# -- backend specifics --------------------------------------------------------
# Tests for one backend are only defined there: an empty parameter list
# would be reported as a skip.
if BACKEND == "tensorflow":
    @pytest.mark.parametrize("jit_compile", [False, True])
    def test_tensorflow_scatters_only_touched_rows(jit_compile):
        """On IndexedSlices every variable is written by a scatter (never a
        dense assign), eagerly and under XLA, matching the reference."""
        import tensorflow as tf

        weights = [np.random.default_rng(12).normal(size=(8, 3))]
        specs = [[s] for s in random_sparse_steps(3, (8, 3), [1, 2, 6],
                                                  seed=13)]
        optimizer = kerasoptim.LazyAdam(amsgrad=True, weight_decay=0.1,
                                        loss_scale_factor=4.0)
        variables = [keras.Variable(w.astype("float32")) for w in weights]
        optimizer.build(variables)
        written = []
        assign = optimizer.assign

        def spy(variable, value):
            written.append(type(value))
            return assign(variable, value)

        def apply(grads):
            optimizer.apply(grads, variables)

        if jit_compile:
            apply = tf.function(apply, jit_compile=True)
        with mock.patch.object(optimizer, "assign", side_effect=spy):
            for step in specs:
                apply([gradient(SPARSE, s, (8, 3)) for s in step])
        assert written and all(issubclass(t, tf.IndexedSlices)
                               for t in written)
        # m, v, v_hat and the weights, in each trace (eager apply() also
        # runs a traced graph on TensorFlow)
        assert len(written) >= 4 and len(written) % 4 == 0
        expected, _ = reference.lazy_adam_run(
            weights, [[(i, v / np.float32(4)) for i, v in step]
                      for step in specs], amsgrad=True, weight_decay=0.1)
        assert_all_close(numpy_list(variables), expected)
        untouched = [0, 3, 4, 5, 7]
        np.testing.assert_array_equal(numpy_list(variables)[0][untouched],
                                      weights[0][untouched].astype("float32"))


if BACKEND == "jax":
    @pytest.mark.parametrize("layout", ["row", "element", "batched"])
    def test_jax_bcoo_under_jit_equals_eager(layout):
        """A BCOO gradient (rows, single elements, or with a batch dimension:
        made dense) in a jitted stateless_apply gives the eager result and
        the dense result."""
        import jax
        import jax.numpy as jnp
        from jax.experimental import sparse

        weights = [np.random.default_rng(14).normal(size=(6, 3))]
        dense = np.zeros((6, 3), "float32")
        dense[1, 2], dense[4, 0] = 0.5, -0.25
        if layout == "row":
            values = dense[[4, 1, 4]] * [[.5], [1], [.5]]  # row 4 twice
            grad = sparse.BCOO((jnp.asarray(values),
                                jnp.asarray([[4], [1], [4]])), shape=(6, 3))
        elif layout == "element":
            grad = sparse.BCOO.fromdense(jnp.asarray(dense))
            assert grad.n_sparse == 2
        else:
            grad = sparse.BCOO.fromdense(jnp.asarray(dense), n_batch=1)
        results = []
        for g, jit in [(grad, True), (grad, False),
                       (jnp.asarray(dense), False)]:
            optimizer = kerasoptim.LazyAdam(learning_rate=0.1, clipnorm=0.3)
            variables = [keras.Variable(w.astype("float32")) for w in weights]
            optimizer.build(variables)
            state = ([v.value for v in optimizer.variables],
                     [v.value for v in variables])

            def step(opt_vars, train_vars, g):
                new_train, new_opt = optimizer.stateless_apply(opt_vars, [g],
                                                               train_vars)
                return new_opt, new_train

            fn = jax.jit(step) if jit else step
            for _ in range(3):
                state = fn(*state, g)
            results.append([np.asarray(x) for x in state[0] + state[1]])
        assert_all_close(results[0], results[1])
        assert_all_close(results[0], results[2])


if BACKEND == "torch":
    @pytest.mark.parametrize("layout", ["rows", "elements"])
    def test_torch_sparse_layouts_and_in_place(layout):
        """Sparse COO gradients with one or two sparse dimensions give the
        dense result; updates happen in place (the slots keep their
        storage)."""
        import torch

        dense = torch.zeros(6, 3)
        dense[1, 2], dense[4, 0], dense[4, 1] = 0.5, -0.25, 0.125
        grad = dense.to_sparse(1 if layout == "rows" else 2)
        weights = [np.random.default_rng(15).normal(size=(6, 3))]
        results = []
        for g in (grad, dense):
            optimizer = kerasoptim.LazyAdam(learning_rate=0.1, clipvalue=0.3)
            variables = [keras.Variable(w.astype("float32")) for w in weights]
            optimizer.build(variables)
            pointers = [v.value.data_ptr() for v in optimizer.variables]
            for _ in range(3):
                optimizer.apply([g], variables)
            assert pointers == [v.value.data_ptr()
                                for v in optimizer.variables]
            results.append(numpy_list(variables)
                           + numpy_list(optimizer.variables))
        assert_all_close(results[0], results[1])


# -- an Embedding trained with fit() ------------------------------------------
VOCAB, DIM, SEQ, BATCH, STEPS = 12, 3, 4, 4, 3
SEEN = 7  # ids 0..6 are looked up, 7..11 never


def _embedding_data(seed=16):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, SEEN, size=(STEPS * BATCH, SEQ)).astype("int32")
    targets = rng.normal(size=(STEPS * BATCH, SEQ, DIM)).astype("float32")
    return ids, targets


def _linear_loss(y_true, y_pred):
    """Linear in the embeddings: the gradient of each step is known."""
    return ops.sum(y_true * y_pred, axis=(1, 2))


def _embedding_model(optimizer, jit_compile):
    model = keras.Sequential([keras.Input((SEQ,), dtype="int32"),
                              keras.layers.Embedding(VOCAB, DIM)])
    model.compile(optimizer=optimizer, loss=_linear_loss,
                  jit_compile=jit_compile)
    return model


def _fit_cases():
    jit = {"tensorflow": [False, True], "jax": [True], "torch": [False]}
    for j in jit[BACKEND]:
        for case in ("defaults", "amsgrad_weight_decay"):
            yield pytest.param(case, j, id=f"{case}-jit{j}")


@pytest.mark.parametrize("case, jit_compile", _fit_cases())
def test_embedding_fit_matches_reference(case, jit_compile):
    options = OPTIONS[case]
    model = _embedding_model(kerasoptim.LazyAdam(**options), jit_compile)
    initial = ops.convert_to_numpy(model.weights[0])
    ids, targets = _embedding_data()
    model.fit(ids, targets, batch_size=BATCH, epochs=1, shuffle=False,
              verbose=0)
    specs = [[(ids[s:s + BATCH].reshape(-1),
               targets[s:s + BATCH].reshape(-1, DIM) / BATCH)]
             for s in range(0, STEPS * BATCH, BATCH)]
    expected, states = reference.lazy_adam_run(
        [initial], specs, **_reference_options(options))
    trained = ops.convert_to_numpy(model.weights[0])
    np.testing.assert_array_equal(trained[SEEN:], initial[SEEN:])
    np.testing.assert_allclose(trained, expected[0], rtol=1e-5, atol=1e-7)
    optimizer = model.optimizer
    for key in ("m", "v"):
        slot = slots(optimizer, key)[0]
        assert not np.any(slot[SEEN:])
        np.testing.assert_allclose(slot, states[0][key], rtol=1e-5, atol=1e-9)


def test_embedding_fit_every_row_is_adam():
    """Every row looked up in every batch: LazyAdam trains like Adam."""
    rng = np.random.default_rng(17)
    ids = np.concatenate([rng.permutation(VOCAB).reshape(3, SEQ)
                          for _ in range(STEPS)]).astype("int32")
    targets = rng.normal(size=ids.shape + (DIM,)).astype("float32")
    trained = []
    for optimizer in (kerasoptim.LazyAdam(), kerasoptim.Adam(**PLAIN_ADAM)):
        keras.utils.set_random_seed(2)
        model = _embedding_model(optimizer, jit_compile="auto")
        model.fit(ids, targets, batch_size=3, epochs=1, shuffle=False,
                  verbose=0)
        trained.append([ops.convert_to_numpy(model.weights[0])]
                       + numpy_list(optimizer.variables))
    assert_all_close(trained[0], trained[1])


def test_keras_file_round_trip(tmp_path):
    """A `.keras` file restores LazyAdam and its state; training goes on
    identically."""
    ids, targets = _embedding_data(seed=18)
    model = _embedding_model(
        kerasoptim.LazyAdam(learning_rate=0.01, amsgrad=True,
                            weight_decay=0.01), jit_compile="auto")
    model.fit(ids, targets, batch_size=BATCH, epochs=1, shuffle=False,
              verbose=0)
    path = str(tmp_path / "lazy.keras")
    model.save(path)
    loaded = keras.saving.load_model(path,
                                     custom_objects={"_linear_loss":
                                                     _linear_loss})
    assert type(loaded.optimizer) is kerasoptim.LazyAdam
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert_all_close(numpy_list(loaded.optimizer.variables),
                     numpy_list(model.optimizer.variables), rtol=0, atol=0)
    for m in (model, loaded):
        m.fit(ids[::-1], targets, batch_size=BATCH, epochs=1, shuffle=False,
              verbose=0)
    assert_all_close(numpy_list(loaded.weights), numpy_list(model.weights),
                     rtol=0, atol=0)
    assert_all_close(numpy_list(loaded.optimizer.variables),
                     numpy_list(model.optimizer.variables), rtol=0, atol=0)


# -- the class and the factory ------------------------------------------------
P = inspect.Parameter
FACTORY = [("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999),
           ("epsilon", 1e-07), ("amsgrad", False), ("weight_decay", None),
           ("clipnorm", None), ("clipvalue", None), ("global_clipnorm", None),
           ("use_ema", False), ("ema_momentum", 0.99),
           ("ema_overwrite_frequency", None), ("name", "lazy_adam")]


def test_factory_signature_and_result():
    params = inspect.signature(kerasoptim.optimizer_lazy_adam).parameters
    assert [(p.name, p.kind, p.default) for p in params.values()] == [
        *[(n, P.POSITIONAL_OR_KEYWORD, d) for n, d in FACTORY],
        ("loss_scale_factor", P.KEYWORD_ONLY, None),
        ("gradient_accumulation_steps", P.KEYWORD_ONLY, None),
        ("kwargs", P.VAR_KEYWORD, P.empty)]
    optimizer = kerasoptim.optimizer_lazy_adam(0.01, amsgrad=True,
                                               gradient_accumulation_steps=2)
    assert type(optimizer) is kerasoptim.LazyAdam
    config = optimizer.get_config()
    assert config["name"].startswith("lazy_adam") and config["amsgrad"] is True
    assert config["gradient_accumulation_steps"] == 2
    assert kerasoptim.LazyAdam.from_config(config).get_config() == config


def test_class_is_registered_and_checks_its_arguments():
    assert keras.saving.get_registered_name(kerasoptim.LazyAdam) == \
        "kerasoptim>LazyAdam"
    with pytest.raises(ValueError):
        kerasoptim.LazyAdam(beta_1=1.5)
