"""Each entry of `kerasoptim._compat` (a private Keras, TensorFlow or torch
API, or a Keras bug worked around) still behaves as the public behaviour it
stands for. A release that moves one fails here, loudly."""

import keras
import numpy as np
import pytest
from keras import ops

import kerasoptim
from helpers import BACKEND
from kerasoptim import _compat


@pytest.mark.parametrize("hook", _compat.OPTIMIZER_HOOKS)
def test_keras_still_calls_each_optimizer_hook(hook, monkeypatch):
    """Keras' `apply()` reaches every hook the classes override or call."""
    called = []
    real = getattr(keras.optimizers.Optimizer, hook)
    monkeypatch.setattr(kerasoptim.AdamW, hook, lambda self, *a, **k: (
        called.append(hook), real(self, *a, **k))[1], raising=False)
    variable = keras.Variable(np.ones((2, 2), "float32"))
    optimizer = kerasoptim.AdamW(clipnorm=1.0, fused=False)
    optimizer.apply([ops.ones((2, 2))], [variable])
    optimizer.apply([ops.ones((2, 2))], [variable])
    assert hook in called


@pytest.mark.parametrize("accumulation", [None, 2])
def test_keras_decays_just_before_the_update_with_its_variables(
        accumulation, monkeypatch):
    """What the kernels' weight decay relies on: Keras calls
    `_apply_weight_decay(variables)` and then, with nothing between,
    `_backend_update_step(grads, variables, lr)` on the same variables."""
    calls = []
    for hook in ("_apply_weight_decay", "_backend_update_step"):
        real = getattr(kerasoptim.AdamW, hook)
        monkeypatch.setattr(kerasoptim.AdamW, hook, lambda self, *a, _h=hook,
                            _r=real: (calls.append((_h, a[-2] if len(a) > 1
                                                    else a[0])),
                                      _r(self, *a))[1])
    variables = [keras.Variable(np.ones((2,), "float32")) for _ in range(3)]
    optimizer = kerasoptim.AdamW(gradient_accumulation_steps=accumulation)
    for _ in range(2):
        optimizer.apply([ops.ones((2,))] * 2, variables[1:])
    hooks = [h for h, _ in calls]
    assert hooks and hooks == ["_apply_weight_decay",
                               "_backend_update_step"] * (len(hooks) // 2)
    for _, given in calls:
        assert [id(v) for v in given] == [id(v) for v in variables[1:]]


def test_built_variables_are_the_slot_order():
    """`built_variables` is the list `build()` took, in slot order: the
    `i`-th variable's momentum is `_momentums[i]`."""
    variables = [keras.Variable(np.full((2,), i, "float32"))
                 for i in range(3)]
    optimizer = kerasoptim.Adam()
    optimizer.build(variables[::-1])
    built = _compat.built_variables(optimizer)
    assert [id(v) for v in built] == [id(v) for v in variables[::-1]]
    for i, variable in enumerate(built):
        assert optimizer._get_variable_index(variable) == i


def test_unknown_variables_are_still_refused():
    """Skipping Keras' check for the built list skips it for nothing
    else: a variable the optimizer was not built with is refused, alone or
    in a list as long as the built one."""
    known = [keras.Variable(np.ones((2,), "float32")) for _ in range(2)]
    stranger = keras.Variable(np.ones((2,), "float32"))
    optimizer = kerasoptim.Adam()
    optimizer.build(known)
    for variables in ([stranger], [known[0], stranger]):
        with pytest.raises(ValueError, match="Unknown variable"):
            optimizer.apply([ops.ones((2,))] * len(variables), variables)
    optimizer.apply([ops.ones((2,))] * 2, known)


def test_in_stateless_scope():
    assert not _compat.in_stateless_scope()
    with keras.StatelessScope():
        assert _compat.in_stateless_scope()


def test_maximum_keeps_dtype_and_value():
    a = ops.convert_to_tensor(np.array([1.0 + 1e-12, -2.0]), "float64")
    b = ops.convert_to_tensor(np.array([1.0, -1.0]), "float64")
    out = _compat.maximum(a, b)
    dtype = keras.backend.standardize_dtype(a.dtype)  # float32: JAX w/o x64
    assert keras.backend.standardize_dtype(out.dtype) == dtype
    np.testing.assert_array_equal(ops.convert_to_numpy(out),
                                  np.array([1.0 + 1e-12, -1.0], dtype))


def test_keras_maximum_bug_is_still_there():
    """The reason for `_compat.maximum`: when Keras' own `ops.maximum`
    keeps float64 on torch, this fails and the workaround can go."""
    a = ops.convert_to_tensor(np.ones(2), "float64")
    given = keras.backend.standardize_dtype(a.dtype)  # float32: JAX w/o x64
    dtype = keras.backend.standardize_dtype(ops.maximum(a, a).dtype)
    assert dtype == ("float32" if BACKEND == "torch" else given)


if BACKEND == "torch":
    def test_backend_tensor_is_the_variables_storage():
        variable = keras.Variable(np.zeros((3,), "float32"))
        tensor = _compat.backend_tensor(variable)
        assert tensor.data_ptr() == variable.value.data_ptr()
        import torch

        with torch.no_grad():
            tensor.add_(1.0)
        np.testing.assert_array_equal(ops.convert_to_numpy(variable),
                                      [1.0, 1.0, 1.0])

    @pytest.mark.parametrize("amsgrad", [False, True])
    @pytest.mark.parametrize("decay_rate", [0.0, 4e-6, 0.05])
    def test_torch_fused_adam_is_keras_update(amsgrad, decay_rate):
        """`torch._fused_adam_` (`_fused_adamw_` with a decay) at a step
        with no bias correction, fed Keras' `alpha`, is
        `w -= w * decay_rate` then `w -= alpha * m / (sqrt(v) + eps)`
        (NumPy in float64 as the reference), step after step, a step with
        `alpha = 0` (whose decay the kernel cannot take) included."""
        import torch

        rng = np.random.default_rng(0)
        w = rng.normal(size=(3, 5)).astype("float32")
        m, v, v_hat = (np.abs(rng.normal(size=(3, 5))).astype("float32")
                       * s for s in (0.1, 0.01, 0.02))
        tensors = [torch.tensor(x) for x in (w, m, v, v_hat)]
        ref = [x.astype("float64") for x in (w, m, v, v_hat)]
        for alpha in (1e-2, 0.0, 3e-3):
            g = rng.normal(size=(3, 5)).astype("float32")
            _compat.torch_fused_adam(
                [tensors[0]], [torch.tensor(g)], [tensors[1]],
                [tensors[2]], [tensors[3]] if amsgrad else [],
                alpha=alpha, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                decay_rate=decay_rate)
            ref[1] += (g - ref[1]) * 0.1
            ref[2] += (g.astype("float64") ** 2 - ref[2]) * 0.001
            if amsgrad:
                ref[3] = np.maximum(ref[3], ref[2])
            ref[0] -= ref[0] * decay_rate
            ref[0] -= alpha * ref[1] / (np.sqrt(ref[3] if amsgrad
                                                else ref[2]) + 1e-7)
            for got, want in zip(tensors, ref):
                np.testing.assert_allclose(got.numpy(), want, rtol=2e-6,
                                           atol=1e-7)


if BACKEND == "tensorflow":
    def test_tf_in_xla_context():
        import tensorflow as tf

        seen = []

        def probe():
            seen.append(_compat.tf_in_xla_context())
            return tf.constant(0)

        tf.function(probe, jit_compile=True)()
        tf.function(probe, jit_compile=False)()
        assert seen == [True, False]

    def test_tf_call_flat_is_the_call():
        """`tf_call_flat` runs a concrete function on the flattened
        handles and tensors of nested variables and tensors as calling it
        does: same writes, same result."""
        import tensorflow as tf

        def body(lists, values):
            for v, g in zip(*lists):
                v.assign_sub(g * values[0])
            return values[0] * 2

        made = [[tf.Variable([1.0, 2.0]), tf.Variable([3.0])],
                [tf.constant([0.5, 0.5]), tf.constant([1.0])]]
        program = tf.function(body, jit_compile=True).get_concrete_function(
            made, [tf.constant(0.0)])
        twins = [[tf.Variable(v) for v in made[0]], made[1]]
        flat = [x.handle if isinstance(x, tf.Variable) else x
                for x in tf.nest.flatten([made, [tf.constant(2.0)]])]
        out = _compat.tf_call_flat(program, flat)
        expected = program(twins, [tf.constant(2.0)])
        assert float(out) == float(expected) == 4.0
        for a, b in zip(made[0], twins[0]):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(made[0][0].numpy(), [0.0, 1.0])


def test_unique_name_counts_as_keras_names_objects():
    first = _compat.unique_name("kerasoptim_probe")
    assert first == "kerasoptim_probe"
    assert _compat.unique_name("kerasoptim_probe") == "kerasoptim_probe_1"


def test_adopt_learning_rate_and_untrack():
    optimizer = keras.optimizers.Adam(0.1)
    keras_made = optimizer._learning_rate
    live = keras.Variable(0.25)
    _compat.adopt_learning_rate(optimizer, live)
    assert any(v is live for v in optimizer.variables)
    assert not any(v is keras_made for v in optimizer.variables)
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == 0.25
    optimizer.extra = keras.Variable(0.5)  # Keras tracks what is assigned
    assert any(v is optimizer.extra for v in optimizer.variables)
    _compat.untrack(optimizer, optimizer.extra)
    assert not any(v is optimizer.extra for v in optimizer.variables)


def test_step_count_is_apply_calls_before_this_one():
    """`step_count` counts `apply()` calls (what schedules read), where
    `iterations` counts accumulated steps."""
    variable = keras.Variable(np.ones((2,), "float32"))
    optimizer = kerasoptim.Adam(gradient_accumulation_steps=2)
    seen = []
    schedule = lambda: (seen.append(int(ops.convert_to_numpy(  # noqa: E731
        _compat.step_count(optimizer)))), 0.1)[1]
    optimizer.learning_rate = schedule
    for _ in range(4):
        optimizer.apply([ops.ones((2,))], [variable])
    assert int(ops.convert_to_numpy(_compat.step_count(optimizer))) == 4
    assert int(ops.convert_to_numpy(optimizer.iterations)) == 2
    assert seen[-1] == 3  # read in the last update step, before it


def test_get_current_learning_rate_is_what_apply_reads():
    """Keras passes `_get_current_learning_rate()` to the update (and the
    `learning_rate` property returns it): TF2's `decay` changes it there."""
    seen = []

    class Probe(kerasoptim.Adam):
        def _get_current_learning_rate(self):
            return 0.0 if seen.append(1) is None else None

    variable = keras.Variable(np.ones((2,), "float32"))
    optimizer = Probe(learning_rate=0.5, fused=False)
    optimizer.apply([ops.ones((2,))], [variable])
    np.testing.assert_array_equal(ops.convert_to_numpy(variable), [1.0, 1.0])
    assert seen and float(optimizer.learning_rate) == 0.0


def test_var_key_keys_the_slots():
    """`_var_key` gives the same key for a variable at each call, and
    different keys for different variables."""
    variables = [keras.Variable(np.ones((2,), "float32")) for _ in range(2)]
    optimizer = kerasoptim.Adam()
    keys = [optimizer._var_key(v) for v in variables]
    assert keys == [optimizer._var_key(v) for v in variables]
    assert keys[0] != keys[1]


if BACKEND == "tensorflow":
    def test_tf_update_step_sums_gradients_over_replicas(monkeypatch):
        """Keras' TensorFlow update step sums the gradients over
        `tf.distribute` replicas in `_all_reduce_sum_gradients` (what
        `experimental_aggregate_gradients=False` skips)."""
        from keras.src.backend.tensorflow.optimizer import TFOptimizer

        called = []
        real = TFOptimizer._all_reduce_sum_gradients
        monkeypatch.setattr(TFOptimizer, "_all_reduce_sum_gradients",
                            lambda self, gv: (called.append(1),
                                              real(self, gv))[1])
        variable = keras.Variable(np.ones((2,), "float32"))
        kerasoptim.Adam(fused=False).apply([ops.ones((2,))], [variable])
        assert called
