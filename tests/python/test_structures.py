"""Fast paths over the structures real models have, not only their values.

Hypothesis draws a model's variable list: tied variables (one variable
listed twice, as encoder and decoder weights gathered into one list), raw
backend variables (a `tf.Variable`), one 16-bit variable among many
float32 ones, variable lists that change between steps, several
optimizers in one process. Moments are drawn in the variables' dtype or in bfloat16
(`moment_dtype`). Each runs three ways: the default (kernels
where a variable can take one), `fused=False` (the plain path) and Keras'
own class; the default must be within `ULPS` of the plain path, the plain
path Keras' numbers. Compile modes (`torch.compile`, `tf.function` with and
without XLA, `jit_compile="auto"`), threads and the program cache of the
TensorFlow kernels are tested below.
"""

import threading

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from keras import ops

import kerasoptim
import reference
from helpers import BACKEND, assert_within_ulps
from kerasoptim import _fast

KERAS = {"Adam": keras.optimizers.Adam, "AdamW": keras.optimizers.AdamW,
         "Adamax": keras.optimizers.Adamax}
# Plain path against Keras' class (16-bit variables: their own rounding).
TOLERANCE = {"float32": (1e-5, 1e-6), "bfloat16": (2e-2, 2e-2)}

structures = st.fixed_dictionaries({
    # How many distinct variables, and which positions repeat one of them.
    "count": st.integers(1, 6),
    "tied": st.lists(st.integers(0, 5), max_size=2),
    # A 16-bit variable among the float32 ones (position, or none).
    "sixteen": st.one_of(st.none(), st.integers(0, 5)),
    "raw": st.booleans(),  # TensorFlow: a plain tf.Variable among them
    "subsets": st.booleans(),
    "steps": st.integers(1, 4),
    "seed": st.integers(0, 2**16),
    # Moments in bfloat16 (`moment_dtype`), or in the variables' dtype.
    "moment_dtype": st.sampled_from([None, None, "bfloat16"]),
})


def _model(structure):
    """(the variable list a step passes, the distinct variables)."""
    rng = np.random.default_rng(structure["seed"])
    distinct = []
    for i in range(structure["count"]):
        shape = tuple(rng.integers(1, 5, size=rng.integers(1, 3)))
        dtype = "bfloat16" if i == structure["sixteen"] else "float32"
        value = rng.normal(size=shape).astype("float32")
        if structure["raw"] and BACKEND == "tensorflow" and i == 0:
            import tensorflow as tf
            distinct.append(tf.Variable(value, name="raw"))
        else:
            distinct.append(keras.Variable(value, dtype=dtype))
    listed = list(distinct)
    listed += [distinct[i % len(distinct)] for i in structure["tied"]]
    return listed, distinct


def _train(name, structure, fused):
    listed, distinct = _model(structure)
    rng = np.random.default_rng(structure["seed"] + 1)
    options = {"learning_rate": 0.05}
    if name == "AdamW":
        options["weight_decay"] = 0.1
    optimizer = (KERAS[name](**options) if fused == "keras" else
                 getattr(kerasoptim, name)(
                     fused=fused, moment_dtype=structure["moment_dtype"],
                     **options))
    for t in range(structure["steps"]):
        chosen = [v for i, v in enumerate(listed)
                  if not (structure["subsets"] and (t + i) % 3 == 1)]
        grads = [ops.convert_to_tensor(
            (rng.normal(size=tuple(v.shape)) * (3.0 - t)).astype("float32"))
            for v in chosen]
        if t == 0:
            optimizer.build(listed)
        optimizer.apply(grads, chosen)
    return [ops.convert_to_numpy(ops.cast(v, "float32")) for v in distinct]


@pytest.mark.parametrize("name", sorted(KERAS))
@settings(max_examples=12 if _fast.KERNELS else 4, deadline=None,
          derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(structure=structures)
def test_structures_fast_equals_plain_and_keras(name, structure):
    fast = _train(name, structure, None)
    plain = _train(name, structure, False)
    # bfloat16 moments: a float32 ulp of difference between the paths may
    # round a moment to the neighbouring bfloat16 value (2**-8 of it), which
    # moves a weight by at most that much of a step (learning rate 0.05).
    sixteen = 0.05 * structure["steps"] * 2.0**-7
    if structure["moment_dtype"]:
        for a, b in zip(fast, plain):
            np.testing.assert_allclose(a, b, rtol=0, atol=sixteen)
    else:
        assert_within_ulps(fast, plain)
    theirs = _train(name, structure, "keras")
    # Keras 3.15's own PyTorch optimizers are no reference here: they update
    # a variable listed twice in one `_foreach` pass from the same old values
    # (the last write wins; Keras on TensorFlow and JAX, and kerasoptim
    # everywhere, run the two updates in turn: see
    # test_tied_variable_has_one_set_of_slots), and leave the float32
    # variables of a list unchanged when a 16-bit one comes first.
    if BACKEND == "torch" and (structure["tied"] or
                               structure["sixteen"] is not None):
        return
    for i, (a, b) in enumerate(zip(plain, theirs)):
        kind = "bfloat16" if i == structure["sixteen"] else "float32"
        if kind == "bfloat16" and structure["moment_dtype"]:
            continue  # computed in float32, Keras' in bfloat16 (no step)
        rtol, atol = TOLERANCE[kind]
        if structure["moment_dtype"]:  # against Keras' float32 moments
            atol = max(atol, sixteen)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol,
                                   err_msg=f"{name}, variable #{i}")


def test_tied_variable_has_one_set_of_slots():
    """A variable listed twice: two Adam updates in turn on its one set of
    slots (Keras' update loop, one slot per variable), on every path and
    backend, against the NumPy reference."""
    steps = [(np.float32(t + 1), np.float32(-2.0)) for t in range(3)]

    def run(make):
        w = keras.Variable(np.ones((2, 3), "float32"))
        optimizer = make()
        for first, second in steps:
            optimizer.apply([ops.ones((2, 3)) * first,
                             ops.ones((2, 3)) * second], [w, w])
        return ops.convert_to_numpy(w)

    expected, state = np.ones((2, 3), "float32"), {"m": 0.0, "v": 0.0}
    for t, pair in enumerate(steps, start=1):
        for g in pair:  # the iteration count moves once a step
            expected = reference.adam_step(
                expected, np.full((2, 3), g), state, np.float32(t),
                np.float32(0.1), 0.9, 0.999, np.float32(1e-7))
    for fused in (None, False):
        np.testing.assert_allclose(run(lambda: kerasoptim.Adam(
            0.1, fused=fused)), expected, rtol=1e-6)
    if BACKEND != "torch":
        np.testing.assert_allclose(run(lambda: keras.optimizers.Adam(0.1)),
                                   expected, rtol=1e-6)


def test_a_16_bit_variable_leaves_the_others_on_the_kernel(monkeypatch):
    """One float16 variable among float32 ones takes the plain path alone;
    the float32 ones still take the kernel, in one call."""
    if _fast.KERNELS is None:
        return
    calls = []
    real = _fast.KERNELS.run
    monkeypatch.setattr(_fast.KERNELS, "run", lambda kernel, *lists, **s: (
        calls.append(len(lists[0])), real(kernel, *lists, **s)))
    variables = [keras.Variable(np.ones((3,), "float32")) for _ in range(5)]
    variables.append(keras.Variable(np.ones((3,)), dtype="float16"))
    optimizer = kerasoptim.Adam(0.1)
    optimizer.apply([ops.ones((3,))] * 6, variables)
    assert calls == [5]
    assert float(ops.convert_to_numpy(ops.cast(variables[-1], "float32"))[0]
                 ) < 1.0


def test_fused_true_names_the_variable_that_cannot():
    if _fast.KERNELS is None:
        return
    w = keras.Variable(np.ones((2,), "float32"), name="kept")
    optimizer = kerasoptim.Adam(0.1, fused=True)
    with pytest.raises(ValueError, match="'kept' is listed more than once"):
        optimizer.apply([ops.ones((2,))] * 2, [w, w])
    np.testing.assert_array_equal(ops.convert_to_numpy(w), [1.0, 1.0])


@pytest.mark.parametrize("name", sorted(KERAS))
def test_two_threads(name):
    """Two optimizers stepping in two threads at once give what each gives
    alone."""
    def run(results, key):
        w = keras.Variable(np.linspace(-1, 1, 12, dtype="float32"
                                       ).reshape(3, 4))
        optimizer = getattr(kerasoptim, name)(0.05)
        for t in range(20):
            optimizer.apply([ops.convert_to_tensor(
                np.full((3, 4), np.sin(t + key), "float32"))], [w])
        results[key] = ops.convert_to_numpy(w)

    alone, together = {}, {}
    for key in (0, 1):
        run(alone, key)
    threads = [threading.Thread(target=run, args=(together, key))
               for key in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for key in (0, 1):
        np.testing.assert_array_equal(together[key], alone[key])


def _fit(optimizer, jit_compile, steps=4):
    """Weights after `fit()` on a small regression with `jit_compile`."""
    keras.utils.set_random_seed(3)
    x = np.random.default_rng(0).normal(size=(32, 5)).astype("float32")
    y = (x @ np.arange(5, dtype="float32"))[:, None]
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4),
                              keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse", jit_compile=jit_compile)
    model.fit(x, y, batch_size=8, epochs=1, steps_per_epoch=steps,
              verbose=0, shuffle=False)
    return [ops.convert_to_numpy(w) for w in model.trainable_weights]


@pytest.mark.parametrize("name", sorted(KERAS))
@pytest.mark.parametrize("jit_compile", [True, False, "auto"])
def test_fit_in_every_compile_mode(name, jit_compile):
    """`fit()` compiled each way Keras compiles it (torch: `torch.compile`;
    TensorFlow: `tf.function` with and without XLA; JAX: `jax.jit`): the
    default within `ULPS` of `fused=False`, which is Keras' numbers."""
    options = {"learning_rate": 0.05}
    fast = _fit(getattr(kerasoptim, name)(**options), jit_compile)
    plain = _fit(getattr(kerasoptim, name)(fused=False, **options),
                 jit_compile)
    assert_within_ulps(fast, plain)
    theirs = _fit(KERAS[name](**options), jit_compile)
    for a, b in zip(plain, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


if BACKEND == "torch":
    def test_users_own_torch_compile_of_a_step():
        """A train step the user compiles with `torch.compile`: the plain
        path inside it, the kernel's numbers within `ULPS` outside."""
        import torch

        def train(compiled):
            w = keras.Variable(np.ones((4, 3), "float32"))
            optimizer = kerasoptim.AdamW(0.1, weight_decay=0.1)
            optimizer.build([w])

            def step(t):
                optimizer.apply([ops.ones((4, 3)) * t], [w])

            step = torch.compile(step) if compiled else step
            for t in range(3):
                step(torch.tensor(float(t + 1)))
            return [ops.convert_to_numpy(w)]

        assert_within_ulps(train(True), train(False))


if BACKEND == "tensorflow":
    @pytest.mark.parametrize("jit_compile", [None, False, True])
    def test_raw_and_tied_variables_in_tf_function(jit_compile):
        """A plain `tf.Variable` and a tied Keras variable in a
        `tf.function` step (with and without XLA, and eagerly): the
        default within `ULPS` of `fused=False`, which is Keras'."""
        import tensorflow as tf

        def train(make):
            raw = tf.Variable(np.ones((2, 2), "float32"))
            tied = keras.Variable(np.full((3,), 2.0, "float32"))
            optimizer = make()
            optimizer.build([raw, tied, tied])

            def step(t):
                optimizer.apply([tf.ones((2, 2)) * t, tf.ones((3,)) * t,
                                 tf.ones((3,)) * -t], [raw, tied, tied])

            if jit_compile is not None:
                step = tf.function(step, jit_compile=jit_compile)
            for t in range(3):
                step(tf.constant(float(t + 1)))
            return [raw.numpy(), ops.convert_to_numpy(tied)]

        plain = train(lambda: kerasoptim.AdamW(0.1, fused=False))
        assert_within_ulps(train(lambda: kerasoptim.AdamW(0.1)), plain)
        for a, b in zip(plain, train(lambda: keras.optimizers.AdamW(0.1))):
            np.testing.assert_allclose(a, b, rtol=1e-6)

    def test_programs_are_compiled_once_for_many_shapes(monkeypatch):
        """Two optimizers (a GAN) over 140 distinct shapes each, stepped in
        turn: each program is compiled once, at most one a call, and kept
        (a bounded cache of 256, cycled in order, recompiled them all at
        every step)."""
        from kerasoptim._fast import tensorflow as kernels

        compiled = []
        real = kernels._compile
        monkeypatch.setattr(kernels, "_compile", lambda key, *a: (
            compiled.append(key), real(key, *a))[1])
        monkeypatch.setattr(kernels, "COMPILE_SECONDS", 0.0)
        kernels._programs.clear()
        models = [[keras.Variable(np.ones((i + 1 + 140 * k, 1), "float32"))
                   for i in range(140)] for k in range(2)]
        optimizers = [kerasoptim.Adam(0.01), kerasoptim.Adam(0.01)]
        for t in range(142):
            before = len(compiled)
            for optimizer, variables in zip(optimizers, models):
                optimizer.apply([ops.ones(v.shape) for v in variables],
                                variables)
            assert len(compiled) - before <= 2  # one a call
        assert len(compiled) == len(set(compiled)) == 280
        kept = dict(kernels._programs)
        assert all(kept[k] is kernels._programs[k] for k in compiled)

    def test_eager_steps_pay_for_compiling_first(monkeypatch):
        """With the real costs, a model of 40 small shapes and a large one
        compiles nothing in its first step, at most one program a step
        after, and the large one's soon; its numbers stay within `ULPS` of
        the plain path throughout."""
        from kerasoptim._fast import tensorflow as kernels

        compiled = []
        real = kernels._compile
        monkeypatch.setattr(kernels, "_compile", lambda key, *a: (
            compiled.append(key), real(key, *a))[1])
        kernels._programs.clear()

        def train(fused, steps=8):
            variables = [keras.Variable(np.full((i + 1, 3), 1.0, "float32"))
                         for i in range(40)]
            # One large variable, whose eager ops soon cost a compilation.
            variables.append(keras.Variable(np.ones((1500, 1500),
                                                    "float32")))
            optimizer = kerasoptim.Adam(0.01, fused=fused)
            counts = []
            for t in range(steps):
                optimizer.apply([ops.ones(v.shape) * (t - 3.5)
                                 for v in variables], variables)
                counts.append(len(compiled))
            return [ops.convert_to_numpy(v) for v in variables], counts

        plain, _ = train(False)
        fast, counts = train(None)
        assert counts[0] == 0
        assert all(b - a <= 1 for a, b in zip(counts, counts[1:]))
        assert counts[-1] >= 1  # the large one took its program
        assert_within_ulps(fast, plain)
