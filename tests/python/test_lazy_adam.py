"""LazyAdam on every backend: TensorFlow Addons' test cases ported to Keras 3,
the NumPy lazy reference, Adam's trajectory when every row is touched, the
machinery around the update (clipping, loss scaling, EMA, accumulation),
embeddings trained with `fit()`, `.keras` files and the factory.

Each backend runs every test here: its sparse gradient kind is TensorFlow's
`IndexedSlices`, JAX's `BCOO` or PyTorch's sparse COO, and `dense` is the
dense gradient Keras hands JAX and PyTorch for an embedding (`run()` names
its variables `embeddings`, as Keras' `Embedding` does, unless `lazy=False`).

Addons' cases pass where the rule agrees with Addons. It does not in two
places: a listed row whose values are zero sits out here (Addons let it
take part), and an embedding table's dense gradient is lazy here (Addons
ran Adam on every dense gradient).
"""

import importlib.util
import inspect
import os
import subprocess
import sys
import warnings
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
                                   torch.as_tensor(values), tuple(shape),
                                   check_invariants=False)


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


def run(optimizer, weights, specs, kind, dtype="float32", lazy=True):
    """Apply a sequence of per-step gradient-spec lists; return variables
    (named as Keras' embedding tables for `lazy=True`, else as kernels)."""
    name = "embeddings" if lazy else "kernel"
    variables = [keras.Variable(np.asarray(w, dtype=dtype), dtype=dtype,
                                name=name) for w in weights]
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


@pytest.mark.parametrize("dtype", DTYPES)
def test_addons_basic_dense_is_adam(dtype):
    """Addons' test_basic: dense gradients of variables that are not
    embedding tables take Adam's step (NumPy Adam), as in Addons."""
    weights = [np.array([1.0, 2.0]), np.array([3.0, 4.0])]
    specs = [[np.array([0.1, 0.1]), np.array([0.01, 0.01])]] * 3
    variables = run(kerasoptim.LazyAdam(), weights, specs, "dense", dtype,
                    lazy=False)
    expected, _, _ = reference.run("adam", weights, specs)
    assert_all_close(numpy_list(variables), expected, **TOLERANCE[dtype])


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


@pytest.mark.parametrize("kind", KINDS)
def test_zero_rows_sit_out_whatever_the_kind(kind):
    """A row whose gradient slice is zero does not take part, listed or
    not (a masked padding row), nor does one whose repeats sum to zero;
    its weights, m and v stay as the step before left them."""
    var = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    specs = [[([0, 1, 2], [[0.5, 0.5], [0.3, 0.3], [0.2, 0.1]])],
             [([0, 1, 2, 2], [[0.0, 0.0], [0.3, 0.3], [0.5, -0.25],
                              [-0.5, 0.25]])]]
    optimizer = kerasoptim.LazyAdam(learning_rate=0.1, weight_decay=0.5)
    actual = numpy_list(run(optimizer, [var], specs, kind))
    expected, states = reference.lazy_adam_run([var], specs, lr=0.1,
                                               weight_decay=0.5)
    assert_all_close(actual, expected)
    assert_all_close(slots(optimizer, "m"), [states[0]["m"]])
    first = kerasoptim.LazyAdam(learning_rate=0.1, weight_decay=0.5)
    one_step = numpy_list(run(first, [var], specs[:1], kind))[0]
    np.testing.assert_array_equal(actual[0][[0, 2]], one_step[[0, 2]])
    np.testing.assert_array_equal(slots(optimizer, "m")[0][[0, 2]],
                                  slots(first, "m")[0][[0, 2]])
    assert not np.array_equal(actual[0][1], one_step[1])


# -- which variables are lazy: by structure, never by values ------------------
@pytest.mark.parametrize("case", ["defaults", "amsgrad_weight_decay"])
def test_dense_gradient_of_other_variables_takes_adams_step(case):
    """A Dense kernel whose input feature is 0 in a batch has a zero row:
    it still takes Adam's step (momentum moves it), bit for bit kerasoptim
    Adam's, as in TensorFlow Addons (Adam for dense gradients)."""
    options = OPTIONS[case]
    weights = [np.random.default_rng(19).normal(size=(4, 3)),
               np.random.default_rng(20).normal(size=(3,))]
    rng = np.random.default_rng(21)
    specs = [[rng.normal(size=(4, 3)), rng.normal(size=(3,))]
             for _ in range(4)]
    for t, step in enumerate(specs):
        step[0][t % 4] = 0.0  # a feature that is 0 in this batch
        step[1][t % 3] = 0.0
    specs = [[g.astype("float32") for g in step] for step in specs]
    lazy = numpy_list(run(kerasoptim.LazyAdam(**options), weights, specs,
                          "dense", lazy=False))
    adam = numpy_list(run(kerasoptim.Adam(**options), weights, specs,
                          "dense", lazy=False))
    expected, _ = reference.lazy_adam_run(weights, specs, lazy=[False] * 2,
                                          **_reference_options(options))
    assert_all_close(lazy, expected)
    assert_all_close(lazy, adam, rtol=0, atol=0)


def test_feature_on_then_off():
    """The issue's numbers: a kernel row whose feature is on, then off,
    ends at 0.833 (Adam) at learning rate 0.1, not at 0.9 (skipped)."""
    specs = [[np.array([[1.0], [1.0]])], [np.array([[0.0], [1.0]])]]
    result = numpy_list(run(kerasoptim.LazyAdam(learning_rate=0.1),
                            [np.ones((2, 1))], specs, "dense",
                            lazy=False))[0]
    # Step 2: m = 0.09, v = 0.000999; 0.1 * (0.09 / 0.19) /
    # sqrt(0.000999 / 0.001999) = 0.0670 below 0.9.
    np.testing.assert_allclose(result[0, 0], 0.83300, atol=5e-5)


def test_sparse_gradient_makes_any_variable_lazy():
    """A sparse gradient says which rows were used: a variable not named as
    an embedding table takes it lazily; `lazy_variable_names` and
    `is_lazy` choose other variables for dense gradients."""
    var = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    specs = [[([0], [[0.5, 0.5]])], [([2], [[0.5, 0.5]])]]
    expected, _ = reference.lazy_adam_run([var], specs, lr=0.1)
    adam, _ = reference.lazy_adam_run(
        [var], [[dense_of(s, var.shape) for s in step] for step in specs],
        lr=0.1, lazy=[False])
    assert not np.allclose(expected[0], adam[0])
    sparse = run(kerasoptim.LazyAdam(learning_rate=0.1), [var], specs,
                 SPARSE, lazy=False)
    assert_all_close(numpy_list(sparse), expected)
    dense = run(kerasoptim.LazyAdam(learning_rate=0.1), [var], specs,
                "dense", lazy=False)
    assert_all_close(numpy_list(dense), adam)
    named = kerasoptim.LazyAdam(learning_rate=0.1)
    named.lazy_variable_names = "kernel"  # one name, as R sends it
    assert_all_close(numpy_list(run(named, [var], specs, "dense",
                                    lazy=False)), expected)

    class NoneLazy(kerasoptim.LazyAdam):
        def is_lazy(self, variable):
            return False

    assert_all_close(numpy_list(run(NoneLazy(learning_rate=0.1), [var],
                                    specs, "dense")), adam)


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


# -- one model, the same weights on every backend ----------------------------
# A `mask_zero` embedding (padding id 0, ids repeated within a sample),
# averaged over its unmasked positions, beside features of which one is 0
# in some batches, into a Dense unit; mean squared error.
MODEL_VOCAB, MODEL_DIM, MODEL_SEQ, MODEL_FEATURES, MODEL_BATCH = 8, 2, 5, 3, 4
MODEL_OPTIONS = dict(learning_rate=0.05, weight_decay=0.5)


def _model_data():
    rng = np.random.default_rng(22)
    ids = rng.integers(1, 6, size=(4 * MODEL_BATCH, MODEL_SEQ))
    ids[:, 3:] = 0  # padding
    ids[::3, 2] = 0
    ids[:, 1] = ids[:, 0]  # a repeated id
    features = rng.normal(size=(4 * MODEL_BATCH, MODEL_FEATURES))
    features[:MODEL_BATCH, 1] = 0.0  # off in the first batch
    features[2 * MODEL_BATCH:3 * MODEL_BATCH, 1] = 0.0
    targets = rng.normal(size=(4 * MODEL_BATCH, 1))
    return (ids.astype("int32"), features.astype("float32"),
            targets.astype("float32"))


def _model_initial_weights():
    rng = np.random.default_rng(23)
    return [rng.normal(size=(MODEL_VOCAB, MODEL_DIM)).astype("float32"),
            rng.normal(size=(MODEL_DIM + MODEL_FEATURES, 1)).astype(
                "float32"),
            np.full((1,), 0.1, "float32")]


def _masked_mean_model():
    ids = keras.Input((MODEL_SEQ,), dtype="int32")
    features = keras.Input((MODEL_FEATURES,))
    embedded = keras.layers.Embedding(MODEL_VOCAB, MODEL_DIM,
                                      mask_zero=True)(ids)
    pooled = keras.layers.GlobalAveragePooling1D()(embedded)
    output = keras.layers.Dense(1)(keras.layers.Concatenate()(
        [pooled, features]))
    model = keras.Model([ids, features], output)
    model.set_weights(_model_initial_weights())
    return model


def _model_gradients(batch):
    """The model's backward pass in NumPy (float64) for one batch: a step
    of `reference.lazy_adam_run`."""
    ids, features, targets = batch

    def gradients(weights):
        table, kernel, bias = (np.asarray(w, "float64") for w in weights)
        mask = (ids != 0)[..., None]
        count = mask.sum(axis=1)
        pooled = (table[ids] * mask).sum(axis=1) / count
        hidden = np.concatenate([pooled, features], axis=1)
        error = 2 * (hidden @ kernel + bias - targets) / len(targets)
        d_pooled = (error @ kernel.T)[:, :MODEL_DIM] / count
        d_table = np.zeros_like(table)
        np.add.at(d_table, ids, mask * d_pooled[:, None, :])
        return [g.astype("float32") for g in
                (d_table, hidden.T @ error, error.sum(axis=0))]

    return gradients


def _model_reference(epochs):
    ids, features, targets = _model_data()
    batches = [_model_gradients((ids[s:s + MODEL_BATCH],
                                 features[s:s + MODEL_BATCH],
                                 targets[s:s + MODEL_BATCH]))
               for s in range(0, len(ids), MODEL_BATCH)]
    expected, _ = reference.lazy_adam_run(
        _model_initial_weights(), batches * epochs, lazy=[True, False, False],
        lr=MODEL_OPTIONS["learning_rate"],
        weight_decay=MODEL_OPTIONS["weight_decay"])
    return expected


def _model_fit(model, epochs):
    ids, features, targets = _model_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing underneath warns
        model.fit([ids, features], targets, batch_size=MODEL_BATCH,
                  epochs=epochs, shuffle=False, verbose=0)


def _model_modes():
    modes = {"tensorflow": ["eager", "graph", "xla"], "jax": ["eager", "jit"],
             "torch": ["eager", "default"]}
    return modes[BACKEND]


# Adam's rounding where the exact gradient is small: ~2e-6 measured.
MODEL_TOLERANCE = dict(rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", _model_modes())
def test_masked_model_trains_to_the_reference(mode):
    """fit() on this backend, eagerly or compiled, gives the NumPy
    reference's weights (so the same weights on every backend): the
    padding row never moves, the Dense kernel takes Adam's step when its
    feature is off, and no library underneath warns."""
    model = _masked_mean_model()
    model.compile(optimizer=kerasoptim.LazyAdam(**MODEL_OPTIONS),
                  loss="mean_squared_error", run_eagerly=mode == "eager",
                  jit_compile=mode in ("xla", "jit"))
    _model_fit(model, epochs=2)
    trained = numpy_list(model.weights)
    assert_all_close(trained, _model_reference(epochs=2),
                     **MODEL_TOLERANCE)
    np.testing.assert_array_equal(trained[0][[0, 6, 7]],
                                  _model_initial_weights()[0][[0, 6, 7]])


def _save_after_one_epoch(path):
    """Train the model one epoch and save it to `path` (run in a process of
    another backend by `test_masked_model_resumes_across_backends`)."""
    model = _masked_mean_model()
    model.compile(optimizer=kerasoptim.LazyAdam(**MODEL_OPTIONS),
                  loss="mean_squared_error")
    _model_fit(model, epochs=1)
    model.save(path)


def test_masked_model_resumes_across_backends(tmp_path):
    """A `.keras` file written on another backend after one epoch resumes
    here to the reference's weights after two (the next backend this
    Python has: Debian's, in `make test`, has torch alone, and then writes
    the file on torch too)."""
    order = ["tensorflow", "jax", "torch"]
    start = order.index(BACKEND) + 1
    other = next(b for b in order[start:] + order[:start]
                 if importlib.util.find_spec(b) is not None)
    path = str(tmp_path / f"from_{other}.keras")
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(
        [sys.executable, "-c", "import sys, test_lazy_adam; "
         "test_lazy_adam._save_after_one_epoch(sys.argv[1])", path],
        cwd=here, check=True, env=dict(os.environ, KERAS_BACKEND=other,
                                       TF_CPP_MIN_LOG_LEVEL="3"))
    model = keras.saving.load_model(path)
    assert int(ops.convert_to_numpy(model.optimizer.iterations)) == 4
    _model_fit(model, epochs=1)
    assert_all_close(numpy_list(model.weights), _model_reference(epochs=2),
                     **MODEL_TOLERANCE)


def _apply_sparse_gradients():
    """Apply the backend's sparse gradient (repeated rows), plain and
    clipped, with warnings turned into errors; check the result."""
    spec = ([3, 1, 3], [[0.5, 0.25], [0.1, 0.2], [0.5, -0.25]])
    for options in ({}, {"clipnorm": 0.3}):
        grad = gradient(SPARSE, spec, (5, 2))
        variable = keras.Variable(np.ones((5, 2), "float32"))
        optimizer = kerasoptim.LazyAdam(**options)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(2):
                optimizer.apply([grad], [variable])
        clipped = reference.clip([dense_of(spec, (5, 2))], **options)
        expected, _ = reference.lazy_adam_run([np.ones((5, 2))],
                                              [clipped] * 2)
        assert_all_close(numpy_list([variable]), expected)


def test_sparse_gradients_raise_no_warnings():
    """In a fresh process (PyTorch warns once a process): sparse gradients
    applied with warnings turned into errors."""
    done = subprocess.run(
        [sys.executable, "-c", "import test_lazy_adam; "
         "test_lazy_adam._apply_sparse_gradients()"],
        cwd=os.path.dirname(os.path.abspath(__file__)), capture_output=True,
        text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert done.returncode == 0, done.stderr[-3000:]


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
