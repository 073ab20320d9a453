"""`moment_dtype`: the moments stored in bfloat16, float16 or float32.

With `moment_dtype` set, a variable's step is computed in float32 (float64
for float64 variables): the gradient, the weights and the stored moments are
widened, the new moments are stored rounded to nearest even, the step goes
on with the unrounded values, and the new weights are rounded to their own
dtype. The plain path (`fused=False`) is held bit for bit to the NumPy
reference `reference.moment_dtype_run` (written from that rule, rounding
with NumPy's and ml_dtypes' casts), but where a backend's own arithmetic is
not IEEE's (see `WEIGHT_ULPS`, `NUMBERS_VIA_FLOAT32`, and XLA's fused
multiply-adds above `test_traced_lazy_adam_matches_reference`); the fast
paths (TensorFlow's XLA programs and eager ops, PyTorch's fused kernels on
widened copies) are held to the plain path step by step: weights within
`helpers.ULPS`, stored moments within an ulp of their own dtype plus the
kernels' float32 rounding (`assert_moments_close`). Also: the slots'
dtypes, bfloat16 weights with float32 moments, `.keras` files, bad values,
and what 16-bit storage does (betas that round to 1 in bfloat16, increments
lost under half an ulp, a zero learning rate, float16 overflow).
"""

import keras
import ml_dtypes
import numpy as np
import pytest
from keras import ops

import kerasoptim
import reference
from helpers import BACKEND, FAST_PATH_BACKENDS, ULPS, ulps
from kerasoptim import _fast

MOMENT_DTYPES = ["bfloat16", "float16", "float32"]
BF16 = np.dtype(ml_dtypes.bfloat16)
# The plain `keras.ops` path where the backend has a fast path.
PLAIN = {"fused": False} if BACKEND in FAST_PATH_BACKENDS else {}
# How far the plain path's weights may be from the reference, in ulps of
# their own dtype, per step. PyTorch's float32 `sqrt` on CPU is not
# correctly rounded (vectorised, within 1 ulp of IEEE's: about 17% of
# random inputs differ from NumPy's `np.sqrt`, measured with AVX512 on torch
# 2.13), so Adam's step size `sqrt(1 - beta_2^t)` and its denominator
# `sqrt(v)` may be 1 ulp off, which now and then moves a weight's rounding
# by 1 ulp. The moments never see a square root: bit-exact on every
# backend; so are Adamax's weights (no square root). TensorFlow and JAX: 0.
WEIGHT_ULPS = 1 if BACKEND == "torch" else 0
SHAPES = [(6, 3), (5,), (2, 3, 4)]
STEPS = 6


def _float64_is_float64():
    if BACKEND != "jax":
        return True
    import jax

    return bool(jax.config.jax_enable_x64)


# -- helpers -----------------------------------------------------------------
def as_numpy(x, dtype):
    """A tensor or variable as a NumPy array of `dtype` (a Keras name;
    16-bit values come back exactly through float32)."""
    value = np.asarray(ops.convert_to_numpy(x))
    if value.dtype != reference.numpy_dtype(dtype):
        value = value.astype(np.float64).astype(reference.numpy_dtype(dtype))
    return value


def gradients(steps=STEPS, shapes=SHAPES, seed=1, dtype="float32"):
    """Gradients that are large for two steps, then small (AMSGrad's
    `v_hat` keeps the large ones' `v`)."""
    rng = np.random.default_rng(seed)
    return [[(rng.normal(size=s) * (3.0 if t < 2 else 0.1)).astype(dtype)
             for s in shapes] for t in range(steps)]


def initial(shapes=SHAPES, seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype(dtype) for s in shapes]


def moment_slots(optimizer):
    """`{key: list of slot variables}` as the reference names them."""
    if isinstance(optimizer, kerasoptim.Adamax):
        return {"m": optimizer._m, "u": optimizer._u}
    slots = {"m": optimizer._momentums, "v": optimizer._velocities}
    if optimizer.amsgrad:
        slots["v_hat"] = optimizer._velocity_hats
    return slots


def assert_ulps(actual, expected, budget, what):
    """Each element within `budget` ulps of its own dtype."""
    actual = np.asarray(actual)
    assert actual.dtype == expected.dtype, (what, actual.dtype,
                                            expected.dtype)
    distance = reference.ulp_distance(actual, expected)
    worst = float(distance.max(initial=0.0))
    assert worst <= budget, (
        f"{what}: {worst:g} ulps of {actual.dtype} from the expected values "
        f"(budget {budget}) at {np.argwhere(distance > budget)[:5].tolist()}"
        f"\nactual {actual[distance > budget][:5]}\n"
        f"expected {expected[distance > budget][:5]}")


def assert_matches_reference(variables, optimizer, expected, states,
                             moment_dtype, weight_ulps, weight_dtype="float32"):
    """Weights within `weight_ulps` (0: bit-exact) of the reference, the
    stored moments bit-exact and in `moment_dtype`."""
    for i, v in enumerate(variables):
        assert_ulps(as_numpy(v, weight_dtype), expected[i], weight_ulps,
                    f"weights #{i}")
    for key, slots in moment_slots(optimizer).items():
        for i, slot in enumerate(slots):
            assert keras.backend.standardize_dtype(slot.dtype) == \
                moment_dtype, (key, slot.dtype)
            assert_ulps(as_numpy(slot, moment_dtype), states[i][key], 0,
                        f"{key} #{i}")


def train(optimizer, weights, grad_seq, dtype="float32", names=None):
    variables = [keras.Variable(w, dtype=dtype, name=(names or {}).get(
        i, "kernel")) for i, w in enumerate(weights)]
    for grads in grad_seq:
        optimizer.apply([ops.convert_to_tensor(g) for g in grads], variables)
    return variables


CASES = {
    "adam": ("Adam", "adam", {}),
    # beta_2 = 0.9: v falls visibly once the gradients shrink (v_hat keeps
    # the larger).
    "amsgrad": ("Adam", "adam", {"amsgrad": True, "beta_2": 0.9}),
    "adamw": ("AdamW", "adam", {"weight_decay": 0.05}),
    "adamw_amsgrad": ("AdamW", "adam", {"weight_decay": 0.05,
                                        "amsgrad": True, "beta_2": 0.9}),
    "adamax": ("Adamax", "adamax", {}),
    "adamax_decay": ("Adamax", "adamax", {"weight_decay": 0.05}),
}


def _weight_ulps(algorithm, steps=STEPS):
    return 0 if algorithm == "adamax" else WEIGHT_ULPS * steps


# -- 1. the plain path against the reference ---------------------------------
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("moment_dtype", MOMENT_DTYPES)
def test_plain_path_matches_reference(moment_dtype, case):
    """Adam, AMSGrad, AdamW and Adamax on the plain path: weights and
    stored moments as the reference's, bit for bit (see `WEIGHT_ULPS`)."""
    name, algorithm, options = CASES[case]
    weights, grad_seq = initial(), gradients()
    optimizer = getattr(kerasoptim, name)(learning_rate=0.01,
                                          moment_dtype=moment_dtype,
                                          **options, **PLAIN)
    variables = train(optimizer, weights, grad_seq)
    expected, states = reference.moment_dtype_run(
        algorithm, weights, grad_seq, moment_dtype=moment_dtype, lr=0.01,
        **options)
    assert_matches_reference(variables, optimizer, expected, states,
                             moment_dtype, _weight_ulps(algorithm))
    if options.get("amsgrad"):
        # The small gradients after the large ones: v_hat holds on to the
        # larger v (the max matters).
        for s in states:
            assert np.mean(s["v_hat"].astype(np.float32)
                           > s["v"].astype(np.float32)) > 0.9
    # The moments are not those of float32 moments (16-bit rounding acts).
    if moment_dtype != "float32":
        _, wide = reference.moment_dtype_run(
            algorithm, weights, grad_seq, moment_dtype="float32", lr=0.01,
            **options)
        assert not np.array_equal(states[0]["m"].astype(np.float32),
                                  wide[0]["m"])


def _sparse_gradient(indices, values, shape):
    """The backend's sparse gradient: `values[i]` the slice of row
    `indices[i]`."""
    indices = np.asarray(indices, dtype="int64")
    values = np.asarray(values, dtype="float32")
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.IndexedSlices(tf.constant(values), tf.constant(indices),
                                tf.constant(shape, dtype="int64"))
    if BACKEND == "jax":
        import jax.numpy as jnp
        from jax.experimental import sparse

        return sparse.BCOO((jnp.asarray(values),
                            jnp.asarray(indices[:, None])),
                           shape=tuple(shape))
    import torch

    return torch.sparse_coo_tensor(torch.as_tensor(indices)[None],
                                   torch.as_tensor(values), tuple(shape),
                                   check_invariants=False)


TABLE = (10, 4)
NEVER = (3, 7)  # rows of the table no gradient ever touches


def _lazy_steps(kind, steps=STEPS):
    """Per step: (table gradient spec, dense kernel gradient). The table's
    rows NEVER are never touched; others sit out some steps; a sparse spec
    repeats a row (summed) and lists a row whose values sum to zero."""
    rng = np.random.default_rng(5)
    out = []
    for t in range(steps):
        scale = 3.0 if t < 2 else 0.1
        rows = [r for r in range(TABLE[0]) if r not in NEVER
                and (r + t) % 3 != 0]
        values = (rng.normal(size=(len(rows),) + TABLE[1:]) * scale
                  ).astype("float32")
        kernel = (rng.normal(size=(3, 2)) * scale).astype("float32")
        if kind == "sparse":
            # values[0] is sent as two halves (summed: values[0]); a row
            # listed with values that sum to zero does not take part.
            zero = [r for r in range(TABLE[0]) if r not in rows][0]
            half = values[:1] / 2
            spec = (np.array(rows + [rows[0], zero, zero]),
                    np.concatenate([half, values[1:], half,
                                    np.ones((1,) + TABLE[1:], "float32"),
                                    -np.ones((1,) + TABLE[1:], "float32")]))
        else:
            dense = np.zeros(TABLE, "float32")
            dense[rows] = values
            spec = dense
        out.append((spec, kernel))
    return out


def initial_table():
    return np.random.default_rng(4).normal(size=TABLE).astype("float32")


LAZY_OPTIONS = {"plain": {}, "amsgrad_decay": {"amsgrad": True,
                                                "weight_decay": 0.05}}


@pytest.mark.parametrize("options", list(LAZY_OPTIONS))
@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("moment_dtype", MOMENT_DTYPES)
def test_lazy_adam_matches_reference(moment_dtype, kind, options):
    """LazyAdam on an embedding table (named `embeddings`; its dense
    gradient, or the backend's sparse one: `tf.IndexedSlices`, `BCOO`,
    sparse COO) and a dense kernel (Adam's step): the rows that take part
    as the reference's, bit for bit; untouched rows keep their weights and
    zero moments bit for bit."""
    options = LAZY_OPTIONS[options]
    rng = np.random.default_rng(4)
    weights = [rng.normal(size=TABLE).astype("float32"),
               rng.normal(size=(3, 2)).astype("float32")]
    steps = _lazy_steps(kind)
    optimizer = kerasoptim.LazyAdam(learning_rate=0.01,
                                    moment_dtype=moment_dtype, **options,
                                    **PLAIN)
    variables = [keras.Variable(weights[0], name="embeddings"),
                 keras.Variable(weights[1], name="kernel")]
    for spec, kernel in steps:
        table = (_sparse_gradient(spec[0], spec[1], TABLE)
                 if kind == "sparse" else ops.convert_to_tensor(spec))
        optimizer.apply([table, ops.convert_to_tensor(kernel)], variables)
    expected, states = reference.moment_dtype_run(
        "lazy_adam", weights, [[s, k] for s, k in steps],
        moment_dtype=moment_dtype, lr=0.01, lazy=[True, False], **options)
    assert_matches_reference(variables, optimizer, expected, states,
                             moment_dtype, WEIGHT_ULPS * STEPS)
    table = as_numpy(variables[0], "float32")
    np.testing.assert_array_equal(table[list(NEVER)], weights[0][list(NEVER)])
    for slots in moment_slots(optimizer).values():
        assert not np.any(as_numpy(slots[0], moment_dtype)[list(NEVER)]
                          .astype(np.float32))
    # Rows that sat out the last step kept what the step before left.
    assert np.any(states[0]["m"].astype(np.float32) != 0)


def _traced_lazy_adam(moment_dtype, fused, options):
    """LazyAdam's masked update in a compiled step (TensorFlow:
    `tf.function`; JAX: `jit` of `stateless_apply`): the table's weights
    and stored moments after `STEPS` steps."""
    weights = [initial_table()]
    steps = _lazy_steps("dense")
    optimizer = kerasoptim.LazyAdam(learning_rate=0.01,
                                    moment_dtype=moment_dtype, **options,
                                    **({} if BACKEND == "jax" else
                                       {"fused": fused}))
    variables = [keras.Variable(weights[0], name="embeddings")]
    optimizer.build(variables)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        step = tf.function(lambda g: optimizer.apply(g, variables))
        for spec, _ in steps:
            step([tf.constant(spec)])
        values = [variables[0]] + [s[0] for s in
                                   moment_slots(optimizer).values()]
    else:
        import jax

        step = jax.jit(optimizer.stateless_apply)
        state = [v.value for v in optimizer.variables]
        trainable = [variables[0].value]
        for spec, _ in steps:
            trainable, state = step(state, [ops.convert_to_tensor(spec)],
                                    trainable)
        for v, value in zip(optimizer.variables, state):
            v.assign(value)
        values = [trainable[0]] + [s[0] for s in
                                   moment_slots(optimizer).values()]
    expected, states = reference.moment_dtype_run(
        "lazy_adam", weights, [[s] for s, _ in steps],
        moment_dtype=moment_dtype, lr=0.01, **options)
    return optimizer, values, expected, states


# XLA's CPU compiler contracts `a * b + c` into a fused multiply-add (under
# `jax.jit`, and in TensorFlow's compiled kernel programs; measured: 11% of
# `m + (g - m) * c` over random float32 differ from rounding each operation,
# none from an exact fused multiply-add). Those steps are held to the
# reference as the fast paths are to the plain path: weights within
# `helpers.ULPS`, moments as `assert_moments_close` allows. TensorFlow's
# traced plain path (`tf.function` without XLA) rounds each operation: bit
# for bit.
if BACKEND in ("tensorflow", "jax"):
    @pytest.mark.parametrize("options", list(LAZY_OPTIONS))
    @pytest.mark.parametrize("moment_dtype", MOMENT_DTYPES)
    def test_traced_lazy_adam_matches_reference(moment_dtype, options):
        """In a compiled step, LazyAdam's masked update over the whole
        table (TensorFlow: the plain masked update, `fused=False`, and the
        masked `lazy_adam` kernel's XLA program; JAX: under `jit`) gives
        the reference's rows (bit for bit, or as the comment above allows
        under XLA); rows never touched keep their weights and zero moments,
        bit for bit."""
        options = LAZY_OPTIONS[options]
        for fused in ([False, None] if BACKEND == "tensorflow" else [None]):
            optimizer, values, expected, states = _traced_lazy_adam(
                moment_dtype, fused, options)
            weights = as_numpy(values[0], "float32")
            xla = BACKEND == "jax" or fused is None
            if xla:
                assert ulps(weights, expected[0]) <= ULPS
            else:
                assert_ulps(weights, expected[0], 0,
                            f"weights (fused={fused})")
            np.testing.assert_array_equal(weights[list(NEVER)],
                                          initial_table()[list(NEVER)])
            for (key, _), value in zip(moment_slots(optimizer).items(),
                                       values[1:]):
                assert keras.backend.standardize_dtype(value.dtype) == \
                    moment_dtype
                value = as_numpy(value, moment_dtype)
                if xla:
                    assert_moments_close(value, states[0][key],
                                         f"{key} (fused={fused})")
                else:
                    assert_ulps(value, states[0][key], 0,
                                f"{key} (fused={fused})")
                assert not np.any(value[list(NEVER)].astype(np.float32))


# -- 2. fast paths against the plain path --------------------------------------
FAST_CASES = ["adam", "amsgrad", "adamw", "adamax_decay"]


def _fast_setup(moment_dtype, case, fused, big):
    """Variables (float32 ones and a float64 one; `big`: a table larger
    than PyTorch's `BLOCK`, cut into row slices) and a built optimizer."""
    name, _, options = CASES[case]
    rng = np.random.default_rng(7)
    specs = [((5, 3), "float32"), ((4,), "float32"), ((2, 3, 2), "float32"),
             ((3, 2), "float64")]
    if big:
        specs.append(((520, 512), "float32"))
    variables = [keras.Variable(rng.normal(size=s).astype(d), dtype=d)
                 for s, d in specs]
    optimizer = getattr(kerasoptim, name)(learning_rate=0.01, fused=fused,
                                          moment_dtype=moment_dtype,
                                          **options)
    optimizer.build(variables)
    return specs, variables, optimizer


def _state(variables, optimizer, specs, moment_dtype):
    return ([as_numpy(v, d) for v, (_, d) in zip(variables, specs)],
            {key: [as_numpy(s, moment_dtype) for s in slots]
             for key, slots in moment_slots(optimizer).items()})


@pytest.fixture(params=["programs", "eager ops"] if BACKEND == "tensorflow"
                else ["kernels"])
def tensorflow_compiles(request, monkeypatch):
    """On TensorFlow, both ways an eager step runs a kernel: as XLA
    programs from the first call, or as TensorFlow's own ops (before a
    program has paid for itself: `_fast.Ledger`, `COMPILE_SECONDS`)."""
    if request.param != "kernels":
        monkeypatch.setattr(_fast.KERNELS, "COMPILE_SECONDS", 0.0 if
                            request.param == "programs" else np.inf)
    return request.param


def assert_moments_close(fast, plain, what):
    """Stored moments of the fast path within 1 ulp of their own dtype
    (a float32 difference may flip a 16-bit rounding) plus `ULPS` float32
    ulps of the array's largest magnitude: the kernels round otherwise
    than the plain path (PyTorch's `m * beta_1 + g * (1 - beta_1)` against
    `m + (g - m)(1 - beta_1)`), an error of the size of the operands'
    ulps, many ulps of a result that nearly cancels (measured on PyTorch:
    12 float32 ulps of such an m, 2 bfloat16 ulps of a small one)."""
    assert fast.dtype == plain.dtype, (what, fast.dtype, plain.dtype)
    a, b = fast.astype(np.float64), plain.astype(np.float64)
    budget = _spacing(plain) + ULPS * float(np.spacing(np.float32(
        np.abs(b).max(initial=0.0))))
    over = np.abs(a - b) > budget
    assert not np.any(over), (
        f"{what}: {np.abs(a - b)[over][:5]} off the plain path's "
        f"{b[over][:5]} (budget {budget[over][:5]})")


def _spacing(x):
    """The distance from each (finite) number in `x` to the next of its
    dtype away from zero."""
    bits = np.ascontiguousarray(x).view(f"uint{8 * x.dtype.itemsize}")
    up = (bits + bits.dtype.type(1)).view(x.dtype)
    return np.abs(up.astype(np.float64) - x.astype(np.float64))


if BACKEND in FAST_PATH_BACKENDS:
    @pytest.mark.parametrize("case", FAST_CASES)
    @pytest.mark.parametrize("moment_dtype", MOMENT_DTYPES)
    def test_fast_path_matches_plain(moment_dtype, case, tensorflow_compiles,
                                     monkeypatch):
        """The fast path (`fused=None` and `fused=True`: TensorFlow's XLA
        programs or eager ops, PyTorch's kernels on widened copies, a table
        cut into blocks) against the plain path, step by step from the
        same state: weights within `helpers.ULPS`, stored moments as
        `assert_moments_close` allows, the slots still in `moment_dtype`.

        Step by step: over several steps a flipped 16-bit moment feeds the
        next steps' unrounded moments, one 16-bit ulp (2^-8 of bfloat16)
        away, and moves that weight by up to ~lr * 2^-8, far more than
        `ULPS` float32 ulps (measured on PyTorch, 5 steps of a 520 x 512
        table: 111 ulps with bfloat16 moments, 31 with float16; and float32
        moments 2 ulps apart). So after each step the fast path's weights
        and moments are set to the plain path's."""
        calls = []
        real = _fast.KERNELS.run
        monkeypatch.setattr(_fast.KERNELS, "run", lambda k, *a, **kw: (
            calls.append(kw.get("moment_dtype")), real(k, *a, **kw)))
        if tensorflow_compiles == "programs":
            _fast.KERNELS._programs.clear()
        big = BACKEND == "torch"
        specs, plain_vars, plain = _fast_setup(moment_dtype, case, False, big)
        runs = [_fast_setup(moment_dtype, case, fused, big)[1:]
                for fused in (None, True)]
        rng = np.random.default_rng(8)
        for t in range(4):
            scale = 3.0 if t < 2 else 0.1
            grads = [(rng.normal(size=s) * scale).astype(d) for s, d in specs]
            plain.apply([ops.convert_to_tensor(g) for g in grads], plain_vars)
            assert calls == []
            expected = _state(plain_vars, plain, specs, moment_dtype)
            for fused, (variables, optimizer) in zip((None, True), runs):
                optimizer.apply([ops.convert_to_tensor(g) for g in grads],
                                variables)
                assert calls and set(calls) == {moment_dtype}
                calls.clear()
                got = _state(variables, optimizer, specs, moment_dtype)
                for i, (a, b) in enumerate(zip(got[0], expected[0])):
                    assert ulps(a, b) <= ULPS, (
                        f"weights #{i}, step {t + 1} (fused={fused}): "
                        f"{ulps(a, b):.1f} ulps from the plain path (budget "
                        f"{ULPS})")
                for key in expected[1]:
                    for i, (a, b) in enumerate(zip(got[1][key],
                                                   expected[1][key])):
                        assert_moments_close(a, b, f"{key} #{i}, step "
                                             f"{t + 1} (fused={fused})")
                # The next step starts from the plain path's state.
                for a, b in zip(variables, plain_vars):
                    a.assign(b.value)
                for key, slots in moment_slots(optimizer).items():
                    for a, b in zip(slots, moment_slots(plain)[key]):
                        assert keras.backend.standardize_dtype(a.dtype) == \
                            moment_dtype
                        a.assign(b.value)
        if tensorflow_compiles == "programs":
            # The programs that ran were compiled for these moments.
            assert {k[-1] for k in _fast.KERNELS._programs} == {
                moment_dtype}


# -- 3. the slots' dtypes --------------------------------------------------------
@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "LazyAdam"])
@pytest.mark.parametrize("moment_dtype", MOMENT_DTYPES + [None])
def test_slot_dtypes(moment_dtype, name):
    """The moments are made in `moment_dtype` (None: each variable's own
    dtype); `iterations`, the learning rate, EMA averages and gradient
    accumulators keep theirs; the config carries `moment_dtype` when it is
    set, and `from_config` restores it."""
    options = {} if name == "Adamax" else {"amsgrad": True}
    optimizer = getattr(kerasoptim, name)(
        moment_dtype=moment_dtype, use_ema=True,
        gradient_accumulation_steps=2, **options)
    dtypes = ["float32", "bfloat16", "float16"] + (
        ["float64"] if _float64_is_float64() else [])
    variables = [keras.Variable(np.ones((2, 3)), dtype=d, name=f"w_{d}")
                 for d in dtypes]
    optimizer.build(variables)
    std = keras.backend.standardize_dtype
    moments = {id(s) for slots in moment_slots(optimizer).values()
               for s in slots}
    assert len(moments) == len(variables) * (2 if name == "Adamax" else 3)
    for slots in moment_slots(optimizer).values():
        for slot, variable in zip(slots, variables):
            assert std(slot.dtype) == (moment_dtype or std(variable.dtype))
    # Keras' own optimizer makes the others in the same dtypes.
    keras_optimizer = keras.optimizers.Adam(use_ema=True,
                                            gradient_accumulation_steps=2)
    keras_optimizer.build(variables)
    assert std(optimizer.iterations.dtype) == std(
        keras_optimizer.iterations.dtype)
    assert std(optimizer._learning_rate.dtype) == std(
        keras_optimizer._learning_rate.dtype) == "float32"
    for group in (optimizer._model_variables_moving_average,
                  optimizer._accumulated_gradients):
        assert [std(v.dtype) for v in group] == dtypes
    others = [v for v in optimizer.variables if id(v) not in moments]
    assert len(others) == 2 + 2 * len(variables)
    config = optimizer.get_config()
    if moment_dtype is None:
        assert "moment_dtype" not in config
    else:
        assert config["moment_dtype"] == moment_dtype
    assert type(optimizer).from_config(config).moment_dtype == moment_dtype


# TensorFlow's `keras.ops.cast` of a Python float goes through a float32
# tensor: a float64 step gets betas, `1 - beta`, epsilon and the weight decay
# rounded to float32 first (as Keras' own optimizers do; PyTorch and JAX cast
# the double directly).
NUMBERS_VIA_FLOAT32 = BACKEND == "tensorflow"

# JAX without x64 makes float32 variables of float64 ones: nothing to test.
if _float64_is_float64():
    @pytest.mark.parametrize("case", ["amsgrad", "adamw", "adamax"])
    def test_float64_variable_computes_in_float64(case):
        """A float64 variable with bfloat16 moments computes in float64 (the
        reference's float64 numbers bit for bit: weights float32 cannot hold),
        the moments widened from and rounded to bfloat16."""
        name, algorithm, options = CASES[case]
        weights = initial(dtype="float64")
        grad_seq = gradients(dtype="float64")
        optimizer = getattr(kerasoptim, name)(learning_rate=0.01,
                                              moment_dtype="bfloat16",
                                              **options, **PLAIN)
        variables = train(optimizer, weights, grad_seq, dtype="float64")
        expected, states = reference.moment_dtype_run(
            algorithm, weights, grad_seq, moment_dtype="bfloat16", lr=0.01,
            weight_dtype="float64", numbers_via_float32=NUMBERS_VIA_FLOAT32,
            **options)
        # PyTorch's float64 `sqrt` and `pow` are not IEEE's either (1.3% of
        # random inputs 1 ulp off `np.sqrt`): `WEIGHT_ULPS` a step.
        assert_matches_reference(variables, optimizer, expected, states,
                                 "bfloat16", WEIGHT_ULPS * STEPS,
                                 weight_dtype="float64")
        w = as_numpy(variables[0], "float64")
        assert np.any(w != w.astype(np.float32).astype(np.float64))


# -- 4. bfloat16 weights, float32 moments ---------------------------------------
@pytest.mark.parametrize("case", ["adam", "amsgrad", "adamw", "adamax_decay"])
def test_bfloat16_weights_with_float32_moments(case):
    """bfloat16 weights and gradients, `moment_dtype="float32"`
    (mixed-precision style): the step in float32, the weights rounded to
    bfloat16, as the reference's bit for bit (AdamW's decay in bfloat16,
    before the step)."""
    name, algorithm, options = CASES[case]
    weights = initial(dtype=BF16)
    grad_seq = [[g.astype(BF16) for g in step] for step in gradients()]
    optimizer = getattr(kerasoptim, name)(learning_rate=0.01,
                                          moment_dtype="float32", **options)
    variables = train(optimizer, weights, grad_seq, dtype="bfloat16")
    expected, states = reference.moment_dtype_run(
        algorithm, weights, grad_seq, moment_dtype="float32", lr=0.01,
        weight_dtype="bfloat16", **options)
    # A float32 ulp off in the step (PyTorch's sqrt) would flip a bfloat16
    # weight only where the float32 result lies within that ulp of a
    # rounding boundary (about 1 in 2^16): not in these numbers.
    assert_matches_reference(variables, optimizer, expected, states,
                             "float32", 0, weight_dtype="bfloat16")
    assert all(keras.backend.standardize_dtype(v.dtype) == "bfloat16"
               for v in variables)
    # Not what bfloat16 moments give: the moments' precision matters.
    _, narrow = reference.moment_dtype_run(
        algorithm, weights, grad_seq, moment_dtype="bfloat16", lr=0.01,
        weight_dtype="bfloat16", **options)
    assert not np.array_equal(states[0]["m"],
                              narrow[0]["m"].astype(np.float32))


# -- 5. .keras files --------------------------------------------------------------
def _model(name):
    keras.utils.set_random_seed(3)
    if name == "LazyAdam":
        return keras.Sequential([keras.Input((3,), dtype="int32"),
                                 keras.layers.Embedding(20, 4),
                                 keras.layers.GlobalAveragePooling1D(),
                                 keras.layers.Dense(1)])
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(5),
                             keras.layers.Dense(1)])


@pytest.mark.parametrize("name", ["Adam", "LazyAdam"])
def test_keras_file_round_trip(name, tmp_path):
    """A model compiled with `moment_dtype="bfloat16"`, fit, saved and
    loaded: the loaded optimizer has `moment_dtype`, bfloat16 moments with
    the saved values, and training resumes as the unsaved model's does,
    bit for bit."""
    rng = np.random.default_rng(9)
    if name == "LazyAdam":
        x = rng.integers(0, 12, size=(32, 3)).astype("int32")
    else:
        x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    model = _model(name)
    model.compile(optimizer=getattr(kerasoptim, name)(
        learning_rate=0.01, amsgrad=True, moment_dtype="bfloat16"),
        loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    optimizer = loaded.optimizer
    assert type(optimizer) is getattr(kerasoptim, name)
    assert optimizer.moment_dtype == "bfloat16"
    saved = moment_slots(model.optimizer)
    for key, slots in moment_slots(optimizer).items():
        assert len(slots) == len(saved[key])
        for a, b in zip(slots, saved[key]):
            assert keras.backend.standardize_dtype(a.dtype) == "bfloat16"
            np.testing.assert_array_equal(as_numpy(a, "bfloat16"),
                                          as_numpy(b, "bfloat16"))
    assert int(ops.convert_to_numpy(optimizer.iterations)) == 4
    for m in (model, loaded):
        m.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(ops.convert_to_numpy(a),
                                      ops.convert_to_numpy(b))
    for key, slots in moment_slots(optimizer).items():
        for a, b in zip(slots, moment_slots(model.optimizer)[key]):
            np.testing.assert_array_equal(as_numpy(a, "bfloat16"),
                                          as_numpy(b, "bfloat16"))
    assert not np.array_equal(ops.convert_to_numpy(model.weights[0]),
                              ops.convert_to_numpy(_model(name).weights[0]))


# -- state moved to and from Keras' own optimizers ------------------------------
def _state_f32(optimizer):
    return [ops.convert_to_numpy(ops.cast(v, "float32"))
            for v in optimizer.variables]


@pytest.mark.parametrize("moment_dtype", ["bfloat16", "float16"])
def test_state_moves_to_and_from_keras_adam(moment_dtype):
    """`set_weights()` both ways: Keras' Adam takes the 16-bit moments
    (widened, exactly), kerasoptim's takes Keras' float32 ones (rounded to
    nearest even), and refuses, naming the variable and assigning nothing,
    a value its dtype cannot hold."""
    rng = np.random.default_rng(4)
    weights = [keras.Variable(rng.normal(size=(3, 4)).astype("float32"))]
    grads = [ops.convert_to_tensor(rng.normal(size=(3, 4)).astype("float32"))]
    ours = kerasoptim.Adam(moment_dtype=moment_dtype)
    theirs = keras.optimizers.Adam()
    for optimizer in (ours, theirs):
        optimizer.build(weights)
        optimizer.apply(grads, weights)
    theirs.set_weights([ops.convert_to_numpy(v) for v in ours.variables])
    for a, b in zip(_state_f32(theirs), _state_f32(ours)):
        np.testing.assert_array_equal(a, b)
    state = [ops.convert_to_numpy(v) for v in theirs.variables]
    state[-1] = state[-1] * np.float32(1 + 2**-12)  # between 16-bit values
    ours.set_weights(state)
    stored = reference.numpy_dtype(moment_dtype)
    np.testing.assert_array_equal(
        _state_f32(ours)[-1], state[-1].astype(stored).astype("float32"))
    before = _state_f32(ours)
    state[-1][1, 2] = 1e6 if moment_dtype == "float16" else np.inf
    if moment_dtype == "float16":
        with pytest.raises(ValueError, match=r"velocity.* has dtype "
                           r"float16, whose largest value is 65504.*"
                           r"holds 1e\+06\. Nothing was assigned"):
            ours.set_weights(state)
        with pytest.raises(ValueError, match="Nothing was assigned"):
            ours.load_own_variables({str(i): v for i, v in enumerate(state)})
        for a, b in zip(_state_f32(ours), before):
            np.testing.assert_array_equal(a, b)
    else:  # bfloat16 has float32's range; inf stays inf
        ours.set_weights(state)
        assert np.isinf(_state_f32(ours)[-1][1, 2])


# -- 6. bad values -------------------------------------------------------------
BAD = ["float64", "int8", "bool", 3, 3.0, True, "bf16", "half", "BFLOAT16",
       "float8_e4m3fn", "", [], np.float64]


@pytest.mark.parametrize("value", BAD, ids=repr)
@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "LazyAdam"])
def test_bad_moment_dtype(name, value):
    """A value that is not one of the three dtypes (nor None) is refused at
    construction, naming `moment_dtype`, what it allows and the value.
    Keras' `standardize_dtype` knows no alias "bf16" or "half": refused."""
    with pytest.raises(ValueError) as error:
        getattr(kerasoptim, name)(moment_dtype=value)
    assert isinstance(error.value, TypeError)  # ArgumentError is both
    text = str(error.value)
    assert text.startswith(
        'Argument `moment_dtype` must be "bfloat16", "float16", "float32" '
        "or `None`. Received: moment_dtype="), text
    assert f"Received: moment_dtype={value!r}" in text, text


def _backend_bfloat16():
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.bfloat16
    if BACKEND == "jax":
        import jax.numpy as jnp

        return jnp.bfloat16
    import torch

    return torch.bfloat16


@pytest.mark.parametrize("value, name", [
    ("bfloat16", "bfloat16"), ("float16", "float16"),
    ("float32", "float32"), (None, None), (ml_dtypes.bfloat16, "bfloat16"),
    (np.float16, "float16"), (np.dtype("float32"), "float32"),
    ("backend_bfloat16", "bfloat16"),
    # Keras' `standardize_dtype` names Python's `float` (a double) float32:
    # taken as "float32".
    (float, "float32")], ids=repr)
def test_moment_dtype_objects_are_named(value, name):
    """dtype objects (NumPy's, ml_dtypes', the backend's, Python's `float`)
    are taken and kept as Keras' name; the factories pass `moment_dtype`
    through (R's `...`)."""
    if value == "backend_bfloat16":
        value = _backend_bfloat16()
    assert kerasoptim.AdamW(moment_dtype=value).moment_dtype == name
    assert kerasoptim.optimizer_adam(moment_dtype=value).moment_dtype == name


# -- 7. odd settings and values ---------------------------------------------------
def test_betas_are_float32_values_with_bfloat16_moments():
    """beta_2 = 0.999 and beta_1 = 0.999 round to 1 in bfloat16, but the
    step computes in float32: after one step m and v hold
    `(1 - beta) * g` and `(1 - beta_2) * g^2` (in float32, then rounded to
    bfloat16), not 0; and the weights moved."""
    assert float(np.float32(0.999).astype(BF16)) == 1.0
    g = np.array([2.0, -3.0, 0.5], "float32")
    optimizer = kerasoptim.Adam(learning_rate=0.01, beta_1=0.999,
                                beta_2=0.999, moment_dtype="bfloat16",
                                **PLAIN)
    variables = train(optimizer, [np.ones(3, "float32")], [[g]])
    c = np.float32(1 - 0.999)
    m = as_numpy(optimizer._momentums[0], "bfloat16")
    v = as_numpy(optimizer._velocities[0], "bfloat16")
    np.testing.assert_array_equal(m, (g * c).astype(BF16))
    np.testing.assert_array_equal(v, (g * g * c).astype(BF16))
    assert np.all(m.astype(np.float32) != 0)
    # The first step moves each weight by about lr (Adam's unit step).
    np.testing.assert_allclose(as_numpy(variables[0], "float32"),
                               1 - 0.01 * np.sign(g), rtol=1e-5)


@pytest.mark.parametrize("moment_dtype, stored", [("bfloat16", 0.5),
                                                  ("float32", 0.5005)])
def test_bfloat16_velocity_stalls_where_increments_are_below_half_an_ulp(
        moment_dtype, stored):
    """Round to nearest even on store: an increment under half a bfloat16
    ulp is lost. v = 0.5 with g = 1, beta_2 = 0.999 gains 0.0005, under
    half of bfloat16's ulp at 0.5 (2^-8): the stored v stays 0.5 step after
    step (float32 moments: 0.5005). The step itself uses the unrounded
    0.5005: the weights are those of float32 moments."""
    variables = [keras.Variable(np.zeros(3, "float32"))]
    optimizer = kerasoptim.Adam(learning_rate=0.01, beta_1=0.0,
                                moment_dtype=moment_dtype, **PLAIN)
    optimizer.build(variables)
    optimizer._velocities[0].assign(ops.cast(ops.full((3,), 0.5),
                                             moment_dtype))
    optimizer.apply([ops.ones((3,))], variables)
    v = as_numpy(optimizer._velocities[0], "float32")
    np.testing.assert_array_equal(v, np.float32(0.5) + (
        np.float32(1) - np.float32(0.5)) * np.float32(1 - 0.999)
        if moment_dtype == "float32" else np.float32(0.5))
    assert abs(v[0] - stored) < 1e-6
    # alpha = 0.01 * sqrt(1 - 0.999) / 1 at step 1; m = g = 1 (beta_1=0).
    f = np.float32
    alpha = f(0.01) * np.sqrt(f(1) - f(0.999)) / (f(1) - f(0))
    v_new = f(0.5) + (f(1) - f(0.5)) * f(1 - 0.999)
    expected = f(0) - (f(1) * alpha) / (np.sqrt(v_new) + f(1e-7))
    assert_ulps(as_numpy(variables[0], "float32"),
                np.full(3, expected, np.float32), WEIGHT_ULPS, "weights")


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "LazyAdam"])
@pytest.mark.parametrize("moment_dtype", ["bfloat16", "float16"])
def test_zero_learning_rate_keeps_weights(name, moment_dtype):
    """`learning_rate=0`: the weights stay bit for bit (the decay too is
    scaled by it); the moments are still updated."""
    weights = initial()
    optimizer = getattr(kerasoptim, name)(learning_rate=0.0,
                                          moment_dtype=moment_dtype)
    names = {0: "embeddings"} if name == "LazyAdam" else None
    variables = train(optimizer, weights, gradients(steps=3), names=names)
    for v, w in zip(variables, weights):
        np.testing.assert_array_equal(as_numpy(v, "float32"), w)
    assert np.any(as_numpy(moment_slots(optimizer)["m"][0], moment_dtype)
                  .astype(np.float32) != 0)


def test_float16_velocity_overflows_to_inf_then_nan():
    """float16 moments overflow past 65504: v reaches g^2 > 65504 for
    |g| > 256 (here g = 300, beta_2 = 0.5 to get there in two steps).
    Pinned behaviour: step 1 stores v = 44992 (finite); step 2's v, 67496
    in float32, is stored as inf, but that step computes with the unrounded
    v (finite weights, the reference's); step 3 widens inf and computes
    `inf + (g^2 - inf)(1 - beta_2)` = inf - inf = NaN: v and the weights
    become NaN, and stay NaN. (Adamax's norm is `|g|`, not squared: it
    overflows only for |g| > 65504.)"""
    g = np.full((3,), 300.0, "float32")
    w0 = np.ones(3, "float32")
    optimizer = kerasoptim.Adam(learning_rate=0.01, beta_2=0.5,
                                moment_dtype="float16", **PLAIN)
    variables = [keras.Variable(w0)]
    seen = []
    for step in range(1, 5):
        optimizer.apply([ops.convert_to_tensor(g)], variables)
        seen.append((as_numpy(optimizer._velocities[0], "float16"),
                     as_numpy(variables[0], "float32")))
        with np.errstate(over="ignore", invalid="ignore"):
            expected, states = reference.moment_dtype_run(
                "adam", [w0], [[g]] * step, moment_dtype="float16",
                lr=0.01, beta_2=0.5)
        assert_ulps(seen[-1][0], states[0]["v"], 0, f"v, step {step}")
        assert_ulps(seen[-1][1], expected[0], WEIGHT_ULPS * step,
                    f"weights, step {step}")
    (v1, w1), (v2, w2), (v3, w3), (v4, w4) = seen
    assert np.all(v1 == np.float16(44992)) and np.all(np.isfinite(w1))
    assert np.all(np.isposinf(v2)) and np.all(np.isfinite(w2))
    assert np.all(w2 < w1)
    assert np.all(np.isnan(v3)) and np.all(np.isnan(w3))
    assert np.all(np.isnan(v4)) and np.all(np.isnan(w4))
    # float32 moments: no overflow.
    optimizer = kerasoptim.Adam(learning_rate=0.01, beta_2=0.5,
                                moment_dtype="float32", **PLAIN)
    variables = train(optimizer, [w0], [[g]] * 4)
    assert np.all(np.isfinite(as_numpy(variables[0], "float32")))
