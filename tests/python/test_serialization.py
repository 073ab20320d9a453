"""Config round trips, `.keras` files, and optimizer state moving both ways
between Keras' own Adam/AdamW/Adamax and ours."""

import numpy as np
import pytest
import keras
from keras import ops

import kerasoptim
from helpers import (PAIRS, assert_all_close, gradient_sequence,
                     initial_weights, numpy_list)
from test_fit import _data, fit

OPTIONS = dict(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-6,
               clipnorm=2.0, use_ema=True, ema_momentum=0.9,
               ema_overwrite_frequency=4, gradient_accumulation_steps=2,
               loss_scale_factor=4.0)


@pytest.mark.parametrize("algo", sorted(PAIRS))
def test_config_round_trip(algo):
    cls = PAIRS[algo][0]
    options = dict(OPTIONS, **({"amsgrad": True} if algo != "adamax" else {}))
    optimizer = cls(name="mine", **options)
    config = optimizer.get_config()
    assert {k: config[k] for k in options} == {
        **options, "learning_rate": pytest.approx(0.02)}  # a float32 variable
    assert cls.from_config(config).get_config() == config
    restored = keras.optimizers.deserialize(
        keras.optimizers.serialize(optimizer))
    assert type(restored) is cls and restored.get_config() == config


@keras.saving.register_keras_serializable(package="kerasoptim_tests")
def beta_schedule():
    return 0.8


def test_schedule_and_callable_beta_round_trip():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    optimizer = kerasoptim.Adam(learning_rate=schedule, beta_1=beta_schedule)
    config = optimizer.get_config()
    restored = kerasoptim.Adam.from_config(config)
    assert isinstance(restored._learning_rate,
                      keras.optimizers.schedules.ExponentialDecay)
    assert callable(restored.beta_1) and restored.beta_1() == 0.8


@pytest.mark.parametrize("algo", sorted(PAIRS))
def test_keras_file_restores_optimizer_and_state(algo, tmp_path):
    cls = PAIRS[algo][0]
    _, model = fit(cls(learning_rate=0.01), epochs=2)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)  # no custom_objects
    assert type(loaded.optimizer) is cls
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert_all_close(numpy_list(loaded.optimizer.variables),
                     numpy_list(model.optimizer.variables), rtol=0, atol=0)
    x, y = _data()
    losses = [m.fit(x, y, epochs=2, batch_size=16, shuffle=False,
                    verbose=0).history["loss"] for m in (model, loaded)]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-6)
    assert_all_close(numpy_list(loaded.trainable_variables),
                     numpy_list(model.trainable_variables))


def _continue(optimizer, variables, grad_seq):
    for grads in grad_seq:
        optimizer.apply([ops.convert_to_tensor(g) for g in grads], variables)
    return numpy_list(variables)


@pytest.mark.parametrize("direction", ["keras_to_ours", "ours_to_keras"])
@pytest.mark.parametrize("algo", sorted(PAIRS))
def test_state_moves_between_keras_and_ours(algo, direction):
    ours_cls, keras_cls, _ = PAIRS[algo]
    options = {"amsgrad": True} if algo != "adamax" else {}
    source_cls, target_cls = ((keras_cls, ours_cls)
                              if direction == "keras_to_ours"
                              else (ours_cls, keras_cls))
    grads = gradient_sequence(10)
    variables = [keras.Variable(w) for w in initial_weights()]
    source = source_cls(**options)
    _continue(source, variables, grads[:5])

    copies = [keras.Variable(ops.convert_to_numpy(v)) for v in variables]
    target = target_cls(**options)
    target.build(copies)
    store = {}
    source.save_own_variables(store)
    target.load_own_variables(store)
    assert_all_close(numpy_list(target.variables),
                     numpy_list(source.variables), rtol=0, atol=0)

    expected = _continue(source, variables, grads[5:])
    assert_all_close(_continue(target, copies, grads[5:]), expected)
