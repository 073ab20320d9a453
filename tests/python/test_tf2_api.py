"""The tf.keras (TF2) and TF Addons optimizer API (`kerasoptim._tf2`), on
every backend: the reference pages' examples, `minimize()` (callable and
tensor losses, `tape=`, callable `var_list`, `tf.function`), `lr`, `decay`
against a NumPy reference, `get_weights()`/`set_weights()`, the slot
methods, `apply_gradients()`' TF2 arguments and `get_gradients()`."""

import contextlib

import keras
import numpy as np
import pytest
from keras import ops

import kerasoptim
import reference
from helpers import (BACKEND, PAIRS, assert_all_close, gradient_sequence,
                     initial_weights, numpy_list, train)

CLASSES = [kerasoptim.Adam, kerasoptim.AdamW, kerasoptim.Adamax,
           kerasoptim.LazyAdam]
IDS = [c.__name__ for c in CLASSES]
TARGET = np.array([1.0, -2.0, 0.5, 3.0], "float32")
START = np.array([0.0, 0.5, -1.0, 2.0], "float32")


def page_variable(value):
    """The reference page's `tf.Variable` on TensorFlow; a
    `keras.Variable` elsewhere."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.Variable(value)
    return keras.Variable(value)


def quadratic(variable):
    """`sum((w - target)^2) / 2`, whose gradient is `w - target`."""
    return lambda: ops.sum(ops.square(variable - TARGET)) / 2.0


def adam_on_quadratic(steps, lr=0.01):
    """NumPy reference: Adam minimising `quadratic` from `START`."""
    w, state = START.copy(), dict(m=np.zeros(4, "float32"),
                                  v=np.zeros(4, "float32"))
    for t in range(1, steps + 1):
        w = reference.adam_step(w, w - TARGET, state, np.float32(t),
                                np.float32(lr), 0.9, 0.999,
                                np.float32(1e-7))
    return w


# -- the reference pages' examples --------------------------------------------
@pytest.mark.parametrize("cls", [kerasoptim.Adam, kerasoptim.LazyAdam],
                         ids=["Adam", "LazyAdam"])
def test_tf_keras_adam_page_example(cls):
    """tf.keras' Adam page: `step_count = opt.minimize(loss, [var1])
    .numpy()` is 1 and `var1` becomes 9.9 (`-learning_rate * sign(grad)`)."""
    opt = cls(learning_rate=0.1)
    var1 = page_variable(10.0)
    loss = lambda: (var1 ** 2) / 2.0  # noqa: E731  d(loss)/d(var1) == var1
    step_count = opt.minimize(loss, [var1]).numpy()
    assert step_count == 1
    np.testing.assert_allclose(ops.convert_to_numpy(var1), 9.9, rtol=1e-6)


def test_addons_lazy_adam_page_arguments():
    """TF Addons' LazyAdam page: `lr` is `learning_rate` ("for backward
    compatibility"), `decay` the time-inverse decay of the learning rate;
    the optimizer then trains an embedding with `compile()`/`fit()`."""
    opt = kerasoptim.LazyAdam(lr=0.1, decay=0.01)
    assert opt.get_config()["learning_rate"] == pytest.approx(0.1)
    assert opt.get_config()["decay"] == 0.01
    model = keras.Sequential([keras.Input((3,), dtype="int32"),
                              keras.layers.Embedding(50, 4),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1)])
    model.compile(optimizer=opt, loss="mse")
    x = np.random.default_rng(0).integers(0, 50, (32, 3)).astype("int32")
    history = model.fit(x, np.ones((32, 1), "float32"), epochs=3,
                        batch_size=8, verbose=0).history["loss"]
    assert history[-1] < history[0]
    assert int(ops.convert_to_numpy(opt.iterations)) == 12
    np.testing.assert_allclose(ops.convert_to_numpy(opt.learning_rate),
                               0.1 / (1 + 0.01 * 12), rtol=1e-6)


# -- minimize -----------------------------------------------------------------
@pytest.mark.parametrize("callable_var_list", [False, True])
def test_minimize_follows_the_numpy_reference(callable_var_list):
    variable = keras.Variable(START)
    opt = kerasoptim.Adam(learning_rate=0.01)
    var_list = (lambda: [variable]) if callable_var_list else [variable]
    for _ in range(5):
        opt.minimize(quadratic(variable), var_list)
    np.testing.assert_allclose(ops.convert_to_numpy(variable),
                               adam_on_quadratic(5), rtol=1e-6, atol=1e-7)


def test_minimize_with_loss_scale_and_grad_loss():
    """`loss_scale_factor` scales the loss's gradient (as `fit()` scales
    the loss) and `apply()` unscales it; `grad_loss` multiplies it."""
    plain, scaled, doubled = (keras.Variable(START) for _ in range(3))
    kerasoptim.Adam(learning_rate=0.01).minimize(quadratic(plain), [plain])
    kerasoptim.Adam(learning_rate=0.01, loss_scale_factor=64.0).minimize(
        quadratic(scaled), [scaled])
    np.testing.assert_allclose(ops.convert_to_numpy(scaled),
                               ops.convert_to_numpy(plain), rtol=1e-6)
    # Adam's first step does not see a gradient's scale: SGD-like check
    # through the first moment instead.
    opt = kerasoptim.Adam(learning_rate=0.01)
    opt.minimize(quadratic(doubled), [doubled],
                 grad_loss=ops.convert_to_tensor(2.0))
    np.testing.assert_allclose(
        ops.convert_to_numpy(opt.get_slot(doubled, "m")),
        0.1 * 2.0 * (START - TARGET), rtol=1e-6)


def test_minimize_leaves_a_variable_the_loss_does_not_use():
    """TensorFlow and torch find no gradient for it (Keras warns and skips
    it); JAX's is zero (a zero step)."""
    used, unused = keras.Variable(START), keras.Variable(np.ones(4, "f4"))
    opt = kerasoptim.Adam(learning_rate=0.01)
    with pytest.warns(UserWarning, match="Gradients do not exist") if \
            BACKEND != "jax" else contextlib.nullcontext():
        opt.minimize(quadratic(used), [used, unused])
    np.testing.assert_array_equal(ops.convert_to_numpy(unused), np.ones(4))
    np.testing.assert_allclose(ops.convert_to_numpy(used),
                               adam_on_quadratic(1), rtol=1e-6)


if BACKEND == "tensorflow":
    def test_minimize_a_tensor_loss_with_its_tape():
        import tensorflow as tf

        variable = keras.Variable(START)
        opt = kerasoptim.Adam(learning_rate=0.01)
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = quadratic(variable)()
            opt.minimize(loss, [variable], tape=tape)
        np.testing.assert_allclose(ops.convert_to_numpy(variable),
                                   adam_on_quadratic(3), rtol=1e-6)
        with pytest.raises(ValueError, match="`tape` is required"):
            opt.minimize(quadratic(variable)(), [variable])

    @pytest.mark.parametrize("built", [True, False])
    def test_minimize_under_tf_function(built):
        """In a `tf.function` (the optimizer built before, or by the first
        trace), and with a callable `var_list` whose model is built by the
        loss (TF2 calls `var_list` after the loss)."""
        import tensorflow as tf

        variable = tf.Variable(START)
        opt = kerasoptim.Adam(learning_rate=0.01)
        if built:
            opt.build([variable])

        @tf.function
        def step():
            return opt.minimize(quadratic(variable), lambda: [variable])

        counts = [int(step()) for _ in range(4)]
        assert counts == [1, 2, 3, 4]
        np.testing.assert_allclose(variable.numpy(), adam_on_quadratic(4),
                                   rtol=1e-6)

    def test_callable_var_list_is_read_after_the_loss():
        model = keras.Sequential([keras.layers.Dense(2)])
        x = np.ones((3, 4), "float32")
        opt = kerasoptim.Adam()
        opt.minimize(lambda: ops.sum(model(x) ** 2),
                     lambda: model.trainable_variables)
        assert len(opt.get_weights()) == 2 + 2 * 2
        assert int(opt.iterations) == 1

if BACKEND == "torch":
    def test_minimize_a_torch_loss_tensor():
        variable = keras.Variable(START)
        opt = kerasoptim.Adam(learning_rate=0.01)
        for _ in range(3):
            opt.minimize(quadratic(variable)(), [variable])
        np.testing.assert_allclose(ops.convert_to_numpy(variable),
                                   adam_on_quadratic(3), rtol=1e-6)

if BACKEND == "jax":
    def test_jax_needs_a_callable_loss():
        variable = keras.Variable(START)
        with pytest.raises(ValueError, match="must be a callable"):
            kerasoptim.Adam().minimize(quadratic(variable)(), [variable])

if BACKEND != "tensorflow":
    def test_tape_is_tensorflow_only():
        variable = keras.Variable(START)
        with pytest.raises(ValueError, match="TensorFlow backend only"):
            kerasoptim.Adam().minimize(quadratic(variable), [variable],
                                       tape=object())


# -- lr and decay -------------------------------------------------------------
@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_lr_is_learning_rate(cls):
    weights, grads = initial_weights(), gradient_sequence(3)
    by_lr, _ = train(cls(lr=0.05), weights, grads)
    by_name, _ = train(cls(learning_rate=0.05), weights, grads)
    assert_all_close(numpy_list(by_lr), numpy_list(by_name), rtol=0, atol=0)
    assert cls(lr=0.05, name="x").get_config() == cls(
        learning_rate=0.05, name="x").get_config()


def test_lr_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"`lr` and `learning_rate`.*"
                       r"learning_rate=0\.01, lr=0\.1"):
        kerasoptim.Adam(learning_rate=0.01, lr=0.1)
    with pytest.raises(ValueError, match=r"`lr` and `learning_rate`"):
        kerasoptim.optimizer_adam(learning_rate=0.001, lr=0.1)
    with pytest.raises(ValueError, match=r"^Argument `lr` must be .* "
                       r"Received: lr=-1$"):
        kerasoptim.LazyAdam(lr=-1)
    with pytest.raises(ValueError, match=r"^Argument `decay` must be a "
                       r"number in \[0, 1e\+06\].* Received: decay=-0\.5$"):
        kerasoptim.optimizer_adamax(decay=-0.5)


@pytest.mark.parametrize("fused", [None, False])
@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_decay_is_tf2s_inverse_time_decay(cls, fused):
    """20 steps against the NumPy reference with `lr / (1 + decay * t)`;
    AdamW's weight decay sees the same decayed rate (LazyAdam's dense
    gradients touch every row: Adam's numbers)."""
    lr, decay = 0.05, 0.3
    algorithm = "adamax" if cls is kerasoptim.Adamax else "adam"
    weight_decay = 0.1 if cls is kerasoptim.AdamW else None
    weights, grads = initial_weights(), gradient_sequence(20)
    variables, opt = train(
        cls(learning_rate=lr, decay=decay, fused=fused,
            **({"weight_decay": weight_decay} if weight_decay else {})),
        weights, grads)
    expected, _, _ = reference.run(
        algorithm, weights, grads, lr=lr, weight_decay=weight_decay,
        lr_fn=lambda it: reference.inverse_time_decay(lr, decay, it))
    assert_all_close(numpy_list(variables), expected, rtol=2e-6, atol=1e-7)
    undecayed, _, _ = reference.run(algorithm, weights, grads, lr=lr,
                                    weight_decay=weight_decay)
    assert not np.allclose(numpy_list(variables)[0], undecayed[0])
    np.testing.assert_allclose(ops.convert_to_numpy(opt.learning_rate),
                               reference.inverse_time_decay(lr, decay, 20),
                               rtol=1e-6)


def test_decay_reads_schedules_and_variables_at_each_step():
    live = keras.Variable(0.1)
    opt = kerasoptim.Adam(learning_rate=live, decay=1.0)
    opt.build([keras.Variable(START)])
    opt._iterations.assign(3)
    assert float(ops.convert_to_numpy(opt.learning_rate)) == \
        pytest.approx(0.1 / 4)
    live.assign(0.2)
    assert float(ops.convert_to_numpy(opt.learning_rate)) == \
        pytest.approx(0.2 / 4)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5)
    opt = kerasoptim.Adam(learning_rate=schedule, decay=1.0)
    opt.build([keras.Variable(START)])
    opt._iterations.assign(2)
    assert float(ops.convert_to_numpy(opt.learning_rate)) == \
        pytest.approx(0.1 * 0.25 / 3)


@pytest.mark.parametrize("decay", [None, 0, 0.0])
def test_no_decay_is_no_decay(decay):
    weights, grads = initial_weights(), gradient_sequence(3)
    with_arg, opt = train(kerasoptim.Adam(decay=decay), weights, grads)
    without, _ = train(kerasoptim.Adam(), weights, grads)
    assert_all_close(numpy_list(with_arg), numpy_list(without), rtol=0,
                     atol=0)
    assert "decay" not in opt.get_config()


def test_decay_round_trips_through_config_and_keras_files(tmp_path):
    opt = kerasoptim.AdamW(lr=0.02, decay=0.5)
    config = opt.get_config()
    assert config["decay"] == 0.5
    assert config["learning_rate"] == pytest.approx(0.02)
    assert kerasoptim.AdamW.from_config(config).get_config() == config
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=opt, loss="mse")
    x = np.ones((8, 4), "float32")
    model.fit(x, np.zeros((8, 1), "float32"), epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.optimizer.decay == 0.5
    np.testing.assert_allclose(
        ops.convert_to_numpy(loaded.optimizer.learning_rate),
        ops.convert_to_numpy(opt.learning_rate), rtol=1e-7)


# -- weights and slots --------------------------------------------------------
@pytest.mark.parametrize("algo", sorted(PAIRS))
def test_get_weights_moves_state_to_ours_and_to_keras(algo):
    """`get_weights()` is `weights`' values, iterations first; another of
    ours, and Keras' own optimizer, take them with `set_weights()` (the
    learning rate included) and then step as the source does."""
    ours_cls, keras_cls, _ = PAIRS[algo]
    grads = gradient_sequence(6)
    source_vars, source = train(ours_cls(learning_rate=0.01),
                                initial_weights(), grads[:3])
    start, state = numpy_list(source_vars), source.get_weights()
    assert [id(v) for v in source.weights] == [id(v)
                                                for v in source.variables]
    assert int(state[0]) == 3 and float(state[1]) == pytest.approx(0.01)
    assert all(isinstance(w, np.ndarray) for w in state)
    expected = numpy_list(train_on(source, source_vars, grads[3:]))
    for target_cls, rtol in ((ours_cls, 0), (keras_cls, 1e-5)):
        target_vars = [keras.Variable(w) for w in start]
        target = target_cls(learning_rate=0.5)  # replaced by the state
        target.build(target_vars)
        target.set_weights(state)
        assert_all_close(numpy_list(target.variables), state, rtol=0,
                         atol=0)
        train_on(target, target_vars, grads[3:])
        assert_all_close(numpy_list(target_vars), expected, rtol=rtol,
                         atol=rtol / 10, what=target_cls.__module__)


def train_on(optimizer, variables, grad_seq):
    for grads in grad_seq:
        optimizer.apply([ops.convert_to_tensor(g) for g in grads], variables)
    return variables


def test_slots_by_keras_and_tf2_names():
    variables = [keras.Variable(w) for w in initial_weights()]
    opt = kerasoptim.Adam(amsgrad=True)
    assert opt.get_slot_names() == []
    opt.build(variables)
    assert opt.get_slot_names() == ["momentum", "velocity", "velocity_hat"]
    for i, variable in enumerate(variables):
        for keras_name, tf2_name, slots in (
                ("momentum", "m", opt._momentums),
                ("velocity", "v", opt._velocities),
                ("velocity_hat", "vhat", opt._velocity_hats)):
            assert opt.get_slot(variable, keras_name) is slots[i]
            assert opt.get_slot(variable, tf2_name) is slots[i]
    adamax = kerasoptim.Adamax()
    adamax.build(variables)
    assert adamax.get_slot(variables[1], "v") is adamax._u[1]
    with pytest.raises(KeyError, match="no slot `rms`"):
        opt.get_slot(variables[0], "rms")
    with pytest.raises(KeyError, match="not built with it"):
        opt.get_slot(keras.Variable(START), "m")


class TracedAdam(kerasoptim.Adam):
    """A subclass in TF2's style: `add_slot()` in `build()`."""

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        for variable in var_list:
            self.add_slot(variable, "trace", initializer="ones")
            self.add_slot(variable, "count", initializer=np.float32(2.0),
                          shape=(2,))


def test_add_slot_for_subclasses():
    variables = [keras.Variable(w) for w in initial_weights()]
    opt = TracedAdam()
    opt.build(variables)
    assert opt.get_slot_names() == ["momentum", "velocity", "trace",
                                    "count"]
    trace = opt.get_slot(variables[1], "trace")
    assert tuple(trace.shape) == tuple(variables[1].shape)
    np.testing.assert_array_equal(ops.convert_to_numpy(trace),
                                  np.ones(variables[1].shape))
    count = opt.get_slot(variables[2], "count")
    np.testing.assert_array_equal(ops.convert_to_numpy(count), [2.0, 2.0])
    assert opt.add_slot(variables[1], "trace") is trace  # made once
    assert any(v is count for v in opt.variables)  # saved with the rest
    assert len(opt.variables) == 2 + 4 * len(variables)


# -- apply_gradients, get_gradients -------------------------------------------
def test_apply_gradients_takes_tf2s_arguments():
    weights, grads = initial_weights(), gradient_sequence(3)
    plain, _ = train(kerasoptim.Adam(), weights, grads)
    variables = [keras.Variable(w) for w in weights]
    opt = kerasoptim.Adam()
    for g in grads:
        count = opt.apply_gradients(
            zip([ops.convert_to_tensor(x) for x in g], variables),
            name="train", experimental_aggregate_gradients=False)
    assert int(ops.convert_to_numpy(count)) == 3
    assert_all_close(numpy_list(variables), numpy_list(plain), rtol=0,
                     atol=0)
    with pytest.raises(ValueError, match="experimental_aggregate_gradients"):
        opt.apply_gradients(zip(g, variables),
                            experimental_aggregate_gradients="no")


TWO_REPLICAS = """
import json
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np, kerasoptim

def step(aggregate, reduce_first):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        variable = keras.Variable(np.zeros(2, "float32"))
        opt = kerasoptim.Adam(learning_rate=0.1)
        opt.build([variable])

    @tf.function
    def run():
        replica = tf.distribute.get_replica_context()
        g = tf.where(replica.replica_id_in_sync_group == 0,
                     tf.constant([1.0, 1.0]), tf.constant([-3.0, 2.0]))
        if reduce_first:
            g = replica.all_reduce(tf.distribute.ReduceOp.SUM, g)
        opt.apply_gradients([(g, variable)],
                            experimental_aggregate_gradients=aggregate)

    strategy.run(run)
    return [v.numpy().tolist()
            for v in strategy.experimental_local_results(variable.value)]

print(json.dumps([step(True, False), step(False, True), step(False, False)]))
"""


if BACKEND == "tensorflow":
    def test_aggregate_gradients_under_tf_distribute():
        """Two replicas (two logical CPUs, in a process of their own) with
        gradients [1, 1] and [-3, 2]: by default both copies take the step
        of the sum, [-2, 3] (Adam's first step: `-0.1 * sign`); with
        `experimental_aggregate_gradients=False` the caller's own
        `all_reduce` gives the same, and without it each copy takes its
        replica's gradient."""
        import json
        import os
        import subprocess
        import sys

        env = dict(os.environ, KERAS_BACKEND="tensorflow",
                   TF_CPP_MIN_LOG_LEVEL="3")
        result = subprocess.run([sys.executable, "-c", TWO_REPLICAS],
                                capture_output=True, text=True, env=env,
                                timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        summed, reduced_by_caller, per_replica = json.loads(
            result.stdout.strip().splitlines()[-1])
        np.testing.assert_allclose(summed, [[0.1, -0.1]] * 2, rtol=1e-5)
        np.testing.assert_allclose(reduced_by_caller, summed, rtol=0)
        np.testing.assert_allclose(per_replica, [[-0.1, -0.1], [0.1, -0.1]],
                                   rtol=1e-5)


def test_get_gradients_names_what_to_use_instead():
    with pytest.raises(NotImplementedError, match=r"TF1 graph mode.*"
                       r"minimize\(loss, var_list\).*apply_gradients"):
        kerasoptim.LazyAdam().get_gradients(None, [])
