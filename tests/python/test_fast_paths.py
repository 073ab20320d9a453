"""Fast paths against the plain path and Keras, on generated inputs.

Every scenario runs three ways: the default (the backend's kernels, where
one applies), `fused=False` (the plain `keras.ops` path) and Keras' own
class. The kernels must give the plain path's numbers within `ULPS` float32
ulps of each array's largest magnitude (TensorFlow's run the plain path's
operations: 0 ulps; PyTorch's are torch's fused Adam kernel and `foreach`
passes, which round otherwise); the plain path must match Keras as in
`test_parity.py`. Scenarios are drawn by hypothesis: dtypes, gradient
layouts (transposed and expanded views, other dtypes, `None`), learning rates
as float, assigned variable, callable and schedules (reaching 0, warm-up
from 0, mutated in place), variable subsets that change between steps,
weight decay and AMSGrad.
"""

import os
import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from keras import ops

import kerasoptim
from helpers import BACKEND, FAST_PATH_BACKENDS
from helpers import assert_within_ulps as _assert_within_budget
from kerasoptim import _fast

KERAS = {"Adam": keras.optimizers.Adam, "AdamW": keras.optimizers.AdamW,
         "Adamax": keras.optimizers.Adamax, "LazyAdam": None}
SHAPES = [(5, 3), (4,), (2, 3, 2)]


class Box:
    """A learning rate a user changes from outside (callables read it)."""

    def __init__(self, value):
        self.value = value

    def __call__(self):
        return self.value


class Mutable(keras.optimizers.schedules.LearningRateSchedule):
    """A schedule whose `scale` is changed in place between steps."""

    def __init__(self, scale):
        self.scale = scale

    def __call__(self, step):
        return self.scale * 0.5 ** (ops.cast(step, "float32") / 4.0)


LR_KINDS = ["float", "variable", "callable", "cosine_to_0", "warmup_from_0",
            "mutated"]


def _learning_rate(kind):
    """(the `learning_rate` argument, a function(optimizer, step) run
    before each step)."""
    if kind == "float":
        return 0.05, lambda o, t: None
    if kind == "variable":
        return 0.05, lambda o, t: setattr(o, "learning_rate",
                                          0.05 * (t % 3))
    if kind == "callable":
        box = Box(0.05)
        return box, lambda o, t: setattr(box, "value", 0.02 * (t + 1))
    if kind == "cosine_to_0":
        return keras.optimizers.schedules.CosineDecay(0.05, 3), \
            lambda o, t: None
    if kind == "warmup_from_0":
        return keras.optimizers.schedules.CosineDecay(
            0.0, 10, warmup_target=0.1, warmup_steps=3), lambda o, t: None
    schedule = Mutable(0.05)
    return schedule, lambda o, t: setattr(schedule, "scale", 0.01 * (t + 1))


def _layout(gradient, layout, dtype):
    """The gradient as a user's code may hand it over."""
    if layout == "other_dtype":
        return ops.cast(gradient, "float64" if dtype != "float64"
                        else "float32")
    if layout == "transposed" and len(gradient.shape) >= 2:
        t = ops.transpose(ops.convert_to_tensor(np.ascontiguousarray(
            ops.convert_to_numpy(gradient).swapaxes(0, 1))), (1, 0) + tuple(
                range(2, len(gradient.shape))))
        return t
    if layout == "expanded":
        first = ops.convert_to_numpy(gradient).reshape(-1)[:1]
        if BACKEND == "torch":
            return ops.convert_to_tensor(first).reshape(
                (1,) * len(gradient.shape)).expand(*gradient.shape)
        return ops.broadcast_to(ops.reshape(ops.convert_to_tensor(first),
                                            (1,) * len(gradient.shape)),
                                gradient.shape)
    return gradient


def _run(name, options, scenario, fused):
    """Train with a scenario; return every variable as NumPy arrays."""
    dtype, steps, seed = scenario["dtype"], scenario["steps"], scenario["seed"]
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=s) for s in SHAPES]
    variables = [keras.Variable(w.astype(dtype), dtype=dtype)
                 for w in weights]
    lr, before_step = _learning_rate(scenario["lr"])
    if fused == "keras":
        optimizer = KERAS[name](learning_rate=lr, **options)
    else:
        optimizer = getattr(kerasoptim, name)(learning_rate=lr, fused=fused,
                                              **options)
    optimizer.build(variables)
    for t in range(steps):
        before_step(optimizer, t)
        grads, chosen = [], []
        for i, (v, s) in enumerate(zip(variables, SHAPES)):
            if scenario["subsets"] and (t + i) % 3 == 0:
                continue
            g = (rng.normal(size=s) * (1 + t)).astype(dtype)
            if name == "LazyAdam" and len(s) > 1:
                g[rng.integers(0, s[0])] = 0  # a row left out
            g = ops.convert_to_tensor(g)
            grads.append(_layout(g, scenario["layout"], dtype))
            chosen.append(v)
        optimizer.apply(grads, chosen)
    return [ops.convert_to_numpy(ops.cast(v, "float32"))
            for v in variables + list(optimizer.variables[1:])]


scenarios = st.fixed_dictionaries({
    "dtype": st.sampled_from(["float32", "float64", "float16", "bfloat16"]),
    "layout": st.sampled_from(["plain", "transposed", "expanded",
                               "other_dtype"]),
    "lr": st.sampled_from(LR_KINDS),
    "subsets": st.booleans(),
    "steps": st.integers(1, 5),
    "seed": st.integers(0, 2**16),
})
options = st.fixed_dictionaries({
    "amsgrad": st.booleans(),
    "weight_decay": st.sampled_from([None, 0.0, 0.004, 0.3]),
})
NAMES = ["Adam", "AdamW", "Adamax", "LazyAdam"]


def _options(name, drawn):
    drawn = dict(drawn)
    if name == "Adamax":
        drawn.pop("amsgrad")
    if name == "AdamW" and drawn["weight_decay"] is None:
        drawn["weight_decay"] = 0.004
    return drawn


def _assert_equal(fast, plain):
    for i, (a, b) in enumerate(zip(fast, plain)):
        np.testing.assert_array_equal(a, b, err_msg=f"variable #{i}")


@pytest.fixture(params=["programs", "eager ops"] if BACKEND == "tensorflow"
                else ["kernels"])
def tensorflow_compiles(request, monkeypatch):
    """On TensorFlow, both ways an eager step runs a kernel: as XLA
    programs from the first call (one compiled a call), or as TensorFlow's
    own ops (before a program has paid for itself)."""
    if request.param != "kernels":
        monkeypatch.setattr(_fast.KERNELS, "COMPILE_SECONDS", 0.0 if
                            request.param == "programs" else np.inf)


@pytest.mark.parametrize("name", NAMES)
# Without kernels (JAX) both ways are the plain path: fewer examples.
@settings(max_examples=15 if _fast.KERNELS else 4, deadline=None,
          derandomize=True,
          suppress_health_check=[HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
@given(scenario=scenarios, drawn=options)
def test_fast_equals_plain_and_keras(name, scenario, drawn,
                                     tensorflow_compiles):
    """Kernels == plain path within `ULPS`; plain == Keras (float32/64)."""
    opts = _options(name, drawn)
    fast = _run(name, opts, scenario, None)
    plain = _run(name, opts, scenario, False)
    _assert_within_budget(fast, plain)
    for a in fast:
        assert np.all(np.isfinite(a))
    if KERAS[name] is None or scenario["dtype"] not in ("float32", "float64"):
        return
    theirs = _run(name, opts, scenario, "keras")
    # Keras' torch backend decays by float32(1 - wd * lr) (test_parity).
    rtol = 1e-5 if BACKEND == "torch" and opts["weight_decay"] else 1e-6
    for i, (a, b) in enumerate(zip(plain, theirs)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-6,
                                   err_msg=f"variable #{i} vs keras")


def test_the_comparison_can_fail():
    """A beta off by 1e-5 (updates off by about 1e-5 of themselves) is over
    the budget."""
    scenario = dict(dtype="float32", layout="plain", lr="float",
                    subsets=False, steps=3, seed=0)
    a = _run("Adam", {"beta_1": 0.9 + 1e-5}, scenario, None)
    b = _run("Adam", {}, scenario, False)
    with pytest.raises(AssertionError, match="ulps from the plain path"):
        _assert_within_budget(a, b)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32",
                                   "float64"])
def test_which_path_each_dtype_takes(dtype, monkeypatch):
    """The scenarios above exercise the kernels for the dtypes they take
    (float32 and float64), not a silent fallback; 16-bit dtypes take the
    plain path, whose numbers are Keras' own (TensorFlow graphs and torch's
    fused kernel keep float32 intermediates)."""
    if _fast.KERNELS is None:
        return
    calls = []
    real = _fast.KERNELS.run
    monkeypatch.setattr(_fast.KERNELS, "run", lambda k, *a, **kw: (
        calls.append((k.__name__, "weight_decay" in kw)),
        real(k, *a, **kw)))
    taken = 4 if dtype in _fast.KERNELS.DTYPES else 0
    for layout in ("transposed", "expanded", "other_dtype"):
        calls.clear()
        _run("AdamW", {"weight_decay": 0.1},
             dict(dtype=dtype, layout=layout, lr="cosine_to_0",
                  subsets=True, steps=4, seed=1), None)
        assert calls == [("adam", True)] * taken


def test_fused_true_explains_why_not():
    """fused=True requires a kernel: where none exists, a clear error."""
    if _fast.KERNELS is None:
        with pytest.raises(ValueError, match="fused.*jit"):
            kerasoptim.Adam(fused=True)
        return
    class Mine(kerasoptim.LazyAdam):
        def update_step(self, gradient, variable, learning_rate):
            super().update_step(gradient, variable, learning_rate)

    with pytest.raises(ValueError, match="Mine has no fused kernel"):
        Mine(fused=True)
    v = keras.Variable(np.ones(3, "int32"), dtype="int32", trainable=False)
    optimizer = kerasoptim.Adam(fused=True)
    optimizer.apply([ops.ones((2,))], [w := keras.Variable(np.ones(2))])
    assert not np.allclose(ops.convert_to_numpy(w), 1.0)
    with pytest.raises(ValueError, match=r"fused=True.*dtype int32"):
        optimizer._backend_update_step([ops.ones((3,), "int32")], [v], 0.1)


@pytest.mark.parametrize("name", ["AdamW", "Adamax"])
def test_decay_once_when_a_gradient_refuses_the_kernel(name):
    """A gradient that refuses the kernel (a broadcast shape, which the
    plain path takes) sends its variable alone to the plain path, where it
    is decayed exactly once: the same numbers as `fused=False` (the other
    variable, on the kernel, within `ULPS`) and, for AdamW, as Keras'."""
    def train(make):
        variables = [keras.Variable(np.full((3, 2), 2.0, "float32")),
                     keras.Variable(np.full((4,), -1.0, "float32"))]
        optimizer = make()
        for t in range(3):
            optimizer.apply([ops.full((1, 2), 0.5 + t), ops.ones((4,))],
                            variables)
        return [ops.convert_to_numpy(v) for v in variables]

    options = dict(learning_rate=0.1, weight_decay=0.2)
    cls = getattr(kerasoptim, name)
    fast = train(lambda: cls(**options))
    plain = train(lambda: cls(fused=False, **options))
    _assert_equal(fast[:1], plain[:1])
    _assert_within_budget(fast, plain)
    if name == "AdamW":
        theirs = train(lambda: keras.optimizers.AdamW(**options))
        for a, b in zip(fast, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_fused_true_refuses_before_anything_changes():
    """A step no kernel can take (a gradient of another shape, which the
    plain path would broadcast) is refused whole: weights, slots and the
    step counter untouched."""
    if _fast.KERNELS is None:
        return
    variable = keras.Variable(np.ones((3, 2), "float32"))
    optimizer = kerasoptim.AdamW(weight_decay=0.1, fused=True)
    optimizer.apply([ops.ones((3, 2))], [variable])
    before = [ops.convert_to_numpy(v) for v in [variable] +
              list(optimizer.variables)]
    with pytest.raises(ValueError, match=r"fused=True.*shape \(1, 2\)"):
        optimizer.apply([ops.ones((1, 2))], [variable])
    after = [ops.convert_to_numpy(v) for v in [variable] +
             list(optimizer.variables)]
    _assert_equal(after, before)


def test_no_warning_per_step():
    """NumPy 2's `__array__(copy=)` deprecation must not fire each step."""
    variables = [keras.Variable(np.ones((3, 2), "float32"))]
    optimizer = kerasoptim.AdamW(learning_rate=0.01)
    optimizer.apply([ops.ones((3, 2))], variables)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            optimizer.learning_rate = 0.02
            optimizer.apply([ops.ones((3, 2))], variables)
    assert [str(w.message) for w in caught] == []


def _conv_gradients(model, x, y):
    """Gradients of a Conv2D model, as the backend's own autodiff gives
    them (a torch kernel gradient is a permuted, non-contiguous view)."""
    return _autodiff_gradients(model, keras.losses.MeanSquaredError(), x, y)


@pytest.mark.parametrize("name", NAMES)
def test_conv_gradients_from_autodiff(name):
    """Gradients through Conv2D from the backend's autodiff: fast == plain,
    and Adam/AdamW/Adamax match Keras."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 6, 6, 2)).astype("float32")
    y = rng.normal(size=(4, 4, 4, 3)).astype("float32")
    results = {}
    for way in (None, False, "keras"):
        if way == "keras" and KERAS[name] is None:
            continue
        keras.utils.set_random_seed(5)
        model = keras.Sequential([keras.Input((6, 6, 2)),
                                  keras.layers.Conv2D(3, 3)])
        optimizer = (KERAS[name](learning_rate=0.01) if way == "keras" else
                     getattr(kerasoptim, name)(learning_rate=0.01,
                                               fused=way))
        for _ in range(5):
            grads = _conv_gradients(model, x, y)
            optimizer.apply(grads, model.trainable_variables)
        results[way] = [ops.convert_to_numpy(v) for v in model.weights]
    _assert_within_budget(results[None], results[False])
    if "keras" in results:
        for a, b in zip(results[False], results["keras"]):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_fit_fast_equals_plain(name):
    """Inside `fit()` (compiled where the backend compiles)."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")
    results = []
    for fused in (None, False):
        keras.utils.set_random_seed(6)
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8),
                                  keras.layers.Dense(1)])
        model.compile(optimizer=getattr(kerasoptim, name)(
            learning_rate=keras.optimizers.schedules.CosineDecay(0.01, 6),
            fused=fused), loss="mse")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
        results.append([ops.convert_to_numpy(w) for w in model.weights])
    # Compiled programs may fuse differently: float32 rounding.
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_mixed_float16_loss_scale():
    """`mixed_float16` with Keras' LossScaleOptimizer: fast == plain."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    results = []
    for fused in (None, False):
        keras.config.set_dtype_policy("mixed_float16")
        try:
            keras.utils.set_random_seed(9)
            model = keras.Sequential([keras.Input((4,)),
                                      keras.layers.Dense(8),
                                      keras.layers.Dense(1)])
            model.compile(optimizer=keras.optimizers.LossScaleOptimizer(
                kerasoptim.Adam(learning_rate=0.01, fused=fused)),
                loss="mse")
            model.fit(x, y, epochs=2, batch_size=8, verbose=0,
                      shuffle=False)
        finally:
            keras.config.set_dtype_policy("float32")
        results.append([ops.convert_to_numpy(w) for w in model.weights])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_tensorflow_traces_do_not_grow_with_settings(monkeypatch):
    """50 eager steps with the learning rate, beta_1, epsilon and weight
    decay changed before each trace no more graphs than 50 steps with them
    constant."""
    if BACKEND != "tensorflow":
        return
    from kerasoptim._fast import tensorflow as kernels

    traces = []
    real = kernels.adam
    monkeypatch.setattr(kernels, "adam", lambda *a, **k: (
        traces.append(1), real(*a, **k)))
    monkeypatch.setattr(kernels, "COMPILE_SECONDS", 0.0)  # compile at once
    counts = []
    for changing in (False, True):
        kernels._programs.clear()
        traces.clear()
        variables = [keras.Variable(np.ones((3, 2), "float32"))]
        optimizer = kerasoptim.AdamW(learning_rate=0.01)
        for t in range(50):
            if changing:
                optimizer.learning_rate = 0.01 * (1 + t % 7)
                optimizer.beta_1 = 0.9 - 0.001 * t
                optimizer.epsilon = 1e-7 * (1 + t)
                optimizer.weight_decay = 0.004 * (1 + t % 3)
            optimizer.apply([ops.ones((3, 2)) * t], variables)
        counts.append(len(traces))
    assert counts == [1, 1]
    assert len(kernels._programs) == 1


@pytest.mark.parametrize("name", ["AdamW", "Adamax", "Adam"])
def test_beta_kinds_changed_between_steps(name, tensorflow_compiles):
    """Betas held as a `keras.Variable` (assigned between steps) and as a
    callable returning a tensor (a new value each step), a float64 tensor
    learning rate from a callable: the fast path reads them at each step
    (TensorFlow's programs take them as inputs, never baked in), within
    `ULPS` of the plain path."""
    def train(fused):
        variables = [keras.Variable(np.linspace(-1, 1, 6, dtype="float32")
                                    .reshape(3, 2)),
                     keras.Variable(np.linspace(-2, 1, 4, dtype="float64"))]
        beta_1 = keras.Variable(0.9, dtype="float32", trainable=False)
        t = [0]
        options = {"amsgrad": True} if name == "Adam" else {}
        optimizer = getattr(kerasoptim, name)(
            learning_rate=lambda: ops.convert_to_tensor(
                0.01 * (1 + t[0] % 3), "float64"),
            beta_1=beta_1,
            beta_2=lambda: ops.convert_to_tensor(0.999 - 0.01 * t[0]),
            fused=fused, **options)
        for t[0] in range(6):
            beta_1.assign(0.9 - 0.05 * t[0])
            optimizer.apply([ops.ones((3, 2)) * (t[0] - 2),
                             ops.ones((4,)) * (1.5 - t[0])], variables)
        return [ops.convert_to_numpy(v) for v in
                variables + list(optimizer.variables[1:])]

    _assert_within_budget(train(None), train(False))


@pytest.mark.parametrize("name", ["AdamW", "Adamax"])
def test_settings_changed_between_steps_take_effect(name):
    """Learning rate, betas, epsilon and weight decay set between steps
    act on the next step on the fast path as on the plain path (within
    `ULPS`), and differ from a run where they stay."""
    def train(fused, changing):
        variables = [keras.Variable(np.linspace(-1, 1, 6, dtype="float32")
                                    .reshape(3, 2))]
        optimizer = getattr(kerasoptim, name)(learning_rate=0.01,
                                              weight_decay=0.004,
                                              fused=fused)
        for t in range(6):
            if changing:
                optimizer.learning_rate = 0.01 * (1 + t % 3)
                optimizer.beta_1 = 0.9 - 0.01 * t
                optimizer.beta_2 = 0.999 - 0.001 * t
                optimizer.epsilon = 1e-7 * 10 ** t
                optimizer.weight_decay = 0.004 * (1 + t)
            optimizer.apply([ops.ones((3, 2)) * (t - 2)], variables)
        return [ops.convert_to_numpy(v) for v in
                variables + list(optimizer.variables[1:])]

    fast = train(None, True)
    _assert_within_budget(fast, train(False, True))
    assert not np.allclose(fast[0], train(None, False)[0], rtol=1e-4)


def _subprocess(code, **env):
    """Run `code` in a fresh Python (device counts are fixed at start-up);
    return its stdout."""
    env = dict(os.environ, KERAS_BACKEND=BACKEND, **env)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                            capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


if BACKEND == "tensorflow":
    def test_mirrored_strategy_in_and_out_of_scope():
        """Variables made under MirroredStrategy over 2 logical CPUs, updated
        inside its scope and eagerly outside it: the plain path's numbers."""
        out = _subprocess("""
            import numpy as np, tensorflow as tf, keras, kerasoptim
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
            strategy = tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"])
            result = []
            for name in ("Adam", "AdamW", "Adamax", "LazyAdam"):
                for fused in (None, False):
                    with strategy.scope():
                        v = keras.Variable(np.ones((3, 2), "float32"))
                        opt = getattr(kerasoptim, name)(learning_rate=0.1,
                                                        fused=fused)
                        opt.build([v])
                    g = tf.ones((3, 2))
                    with strategy.scope():
                        strategy.run(lambda: opt.apply([g], [v]))
                    opt.apply([g], [v])  # eagerly, outside the scope
                    result.append(v.numpy())
                np.testing.assert_array_equal(result[-2], result[-1])
                assert not np.allclose(result[-1], 1.0)
            print("ok", len(result))
        """)
        assert out.strip() == "ok 8"


if BACKEND == "jax":
    @pytest.mark.parametrize("name", ["Adam", "LazyAdam"])
    def test_jax_distribution_sharded_embedding(name):
        """DataParallel and ModelParallel (an embedding table sharded over 4
        host devices): the same weights as on one device."""
        out = _subprocess(f"""
            import numpy as np, keras, kerasoptim
            from keras import distribution as d

            def train(dist):
                if dist is not None:
                    d.set_distribution(dist)
                keras.utils.set_random_seed(2)
                model = keras.Sequential([keras.Input((3,), dtype="int32"),
                    keras.layers.Embedding(64, 8, name="table"),
                    keras.layers.GlobalAveragePooling1D(),
                    keras.layers.Dense(1)])
                model.compile(optimizer=kerasoptim.{name}(learning_rate=0.05),
                                loss="mse")
                rng = np.random.default_rng(0)
                x = rng.integers(0, 16, size=(32, 3)).astype("int32")
                y = rng.normal(size=(32, 1)).astype("float32")
                model.fit(x, y, epochs=2, batch_size=8, verbose=0,
                            shuffle=False)
                d.set_distribution(None)
                table = model.get_layer("table").embeddings.value
                shard = table.sharding.shard_shape(table.shape)
                return [np.asarray(w) for w in model.get_weights()], shard

            devices = d.list_devices()
            assert len(devices) == 4, devices
            one, _ = train(None)
            mesh = d.DeviceMesh((4,), ["batch"], devices)
            data, _ = train(d.DataParallel(device_mesh=mesh))
            mesh2 = d.DeviceMesh((2, 2), ["batch", "model"], devices)
            layout = d.LayoutMap(mesh2)
            # Keras matches the whole path ("sequential/table/embeddings").
            layout[".*table/embeddings"] = ("model", None)
            model_par, shard = train(d.ModelParallel(layout_map=layout,
                                                     batch_dim_name="batch"))
            assert shard == (32, 8), shard  # the table's rows are split
            for other in (data, model_par):
                for a, b in zip(one, other):
                    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
            print("ok")
        """, XLA_FLAGS="--xla_force_host_platform_device_count=4")
        assert out.strip() == "ok"


class PythonArithmetic(keras.optimizers.schedules.LearningRateSchedule):
    """A schedule that does Python arithmetic on the step (eager only)."""

    def __call__(self, step):
        return 0.1 / (1.0 + int(step) % 3)


def _py_function_schedule():
    import tensorflow as tf

    class PyFunction(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return tf.py_function(lambda s: 0.1 / (1.0 + float(s) % 3),
                                  [step], tf.float32)
    return PyFunction()


if BACKEND == "tensorflow":
    @pytest.mark.parametrize("jit", [False, True])
    @pytest.mark.parametrize("options", [{}, {"weight_decay": 0.1},
                                         {"amsgrad": True}])
    def test_traced_lazy_adam_takes_the_masked_kernel(jit, options,
                                                      monkeypatch):
        """In a traced step LazyAdam's dense gradients (a row left out, a
        gradient of another dtype, a scalar) take the masked kernel, within
        `ULPS` of the plain masked update (row 0, left out after the first
        step, keeps its weights and slots from then on)."""
        import tensorflow as tf

        calls = []
        real = _fast.KERNELS.run
        monkeypatch.setattr(_fast.KERNELS, "run", lambda k, *a, **kw: (
            calls.append(k.__name__), real(k, *a, **kw)))

        def train(fused):
            rng = np.random.default_rng(3)
            # Named as Keras' embedding tables: lazy for dense gradients.
            variables = [keras.Variable(rng.normal(size=s).astype("float32"),
                                        name="embeddings")
                         for s in ((5, 3), (4,), (2, 3, 2), ())]
            optimizer = kerasoptim.LazyAdam(learning_rate=0.01, fused=fused,
                                            **options)
            optimizer.build(variables)
            step = tf.function(lambda grads: optimizer.apply(grads,
                                                             variables),
                               jit_compile=jit)
            for t in range(4):
                grads = []
                for v in variables:
                    g = rng.normal(size=v.shape)
                    if len(v.shape) and t:
                        g[0] = 0
                    grads.append(tf.constant(g, "float64" if len(v.shape) == 2
                                             else "float32"))
                step(grads)
            return [ops.convert_to_numpy(v) for v in
                    variables + list(optimizer.variables[1:])]

        fast = train(None)
        assert "lazy_adam" in calls
        calls.clear()
        plain = train(False)
        assert calls == []
        _assert_within_budget(fast, plain)

    @pytest.mark.parametrize("schedule", ["arithmetic", "py_function"])
    def test_eager_schedules_keras_can_run(schedule):
        """Schedules Keras evaluates eagerly (Python arithmetic on the step,
        `tf.py_function`) work, with Keras' numbers."""
        results = []
        for cls in (kerasoptim.AdamW, keras.optimizers.AdamW):
            lr = (PythonArithmetic() if schedule == "arithmetic"
                  else _py_function_schedule())
            variables = [keras.Variable(np.ones((3, 2), "float32"))]
            optimizer = cls(learning_rate=lr)
            for t in range(5):
                optimizer.apply([ops.ones((3, 2)) * (t - 2)], variables)
            results.append(ops.convert_to_numpy(variables[0]))
        np.testing.assert_allclose(results[0], results[1], rtol=1e-6)

    def test_adamw_fit_with_py_function_schedule():
        """AdamW in `fit()` with a `tf.py_function` schedule, as Keras."""
        rng = np.random.default_rng(10)
        x = rng.normal(size=(32, 3)).astype("float32")
        y = rng.normal(size=(32, 1)).astype("float32")
        results = []
        for cls in (kerasoptim.AdamW, keras.optimizers.AdamW):
            keras.utils.set_random_seed(11)
            model = keras.Sequential([keras.Input((3,)),
                                      keras.layers.Dense(1)])
            model.compile(optimizer=cls(learning_rate=_py_function_schedule()),
                          loss="mse")
            model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
            results.append([ops.convert_to_numpy(w) for w in model.weights])
        for a, b in zip(*results):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax"])
def test_float16_policy_matches_keras(name):
    """float16 variables (policy `float16`, not mixed): Keras' numbers, to
    float16 rounding (the fast path, where it takes 16-bit floats, equals
    the plain path exactly: test_fast_equals_plain_and_keras)."""
    rng = np.random.default_rng(12)
    x = rng.normal(size=(16, 4)).astype("float16")
    y = rng.normal(size=(16, 3)).astype("float16")
    results = []
    for cls in (getattr(kerasoptim, name), KERAS[name]):
        keras.config.set_dtype_policy("float16")
        try:
            keras.utils.set_random_seed(13)
            model = keras.Sequential([keras.Input((4,)),
                                      keras.layers.Dense(3)])
            optimizer = cls(learning_rate=0.01, epsilon=1e-3)
            loss_fn = keras.losses.MeanSquaredError()
            for _ in range(10):
                grads = _autodiff_gradients(model, loss_fn, x, y)
                optimizer.apply(grads, model.trainable_variables)
        finally:
            keras.config.set_dtype_policy("float32")
        results.append([ops.convert_to_numpy(w).astype("float32")
                        for w in model.weights])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-3)


def _autodiff_gradients(model, loss_fn, x, y):
    """The backend autodiff's gradients of `loss_fn(y, model(x))`."""
    if BACKEND == "torch":
        import torch
        loss = loss_fn(y, model(x))
        return list(torch.autograd.grad(loss, [v.value for v in
                                               model.trainable_variables]))
    if BACKEND == "tensorflow":
        import tensorflow as tf
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x))
        return tape.gradient(loss, model.trainable_variables)
    import jax
    values = [v.value for v in model.trainable_variables]

    def loss(values):
        out, _ = model.stateless_call(values, [], x)
        return loss_fn(y, out)
    return jax.grad(loss)(values)
