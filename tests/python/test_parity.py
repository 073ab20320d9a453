"""Randomized trajectories against the NumPy reference and Keras' own
optimizers: weights and every slot variable, 24 steps, three shapes."""

import numpy as np
import pytest
import keras
from keras import ops
from keras.optimizers.schedules import ExponentialDecay

import kerasoptim
import reference
from helpers import (BACKEND, FAST_PATH_BACKENDS, PAIRS, assert_all_close,
                     gradient_sequence, initial_weights, numpy_list, train)

STEPS = 24
SCHEDULE = dict(initial_learning_rate=0.01, decay_steps=5, decay_rate=0.5)

# name: (constructor options, reference options, Keras supports it)
CASES = {
    "defaults": ({}, {}, True),
    "amsgrad": ({"amsgrad": True}, {"amsgrad": True}, True),
    "hyper": ({"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.9,
               "epsilon": 1e-3},
              {"lr": 0.05, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3},
              True),
    "weight_decay": ({"weight_decay": 0.05, "learning_rate": 0.01},
                     {"weight_decay": 0.05, "lr": 0.01}, True),
    "clipnorm": ({"clipnorm": 0.5}, {"clipnorm": 0.5}, True),
    "clipvalue": ({"clipvalue": 0.1}, {"clipvalue": 0.1}, True),
    "global_clipnorm": ({"global_clipnorm": 0.3},
                        {"global_clipnorm": 0.3}, True),
    "ema": ({"use_ema": True, "ema_momentum": 0.9,
             "ema_overwrite_frequency": 5},
            {"use_ema": True, "ema_momentum": 0.9,
             "ema_overwrite_frequency": 5}, True),
    "loss_scale": ({"loss_scale_factor": 128.0},
                   {"loss_scale_factor": 128.0}, True),
    "accumulation": ({"gradient_accumulation_steps": 3},
                     {"gradient_accumulation_steps": 3}, True),
    "schedule": ({"learning_rate": ExponentialDecay(**SCHEDULE)},
                 {"lr_fn": lambda it: ExponentialDecay(**SCHEDULE)(it)},
                 True),
    "callable_lr": ({"learning_rate": lambda: 0.002}, {"lr": 0.002}, True),
    "tensor_beta": ({"beta_2": ops.convert_to_tensor(0.99)},
                    {"beta_2": 0.99}, True),
    "callable_beta": ({"beta_1": lambda: 0.8, "beta_2": lambda: 0.99},
                      {"beta_1": 0.8, "beta_2": 0.99}, False),
    "combined": ({"amsgrad": True, "weight_decay": 0.01, "clipnorm": 1.0,
                  "use_ema": True, "gradient_accumulation_steps": 2},
                 {"amsgrad": True, "weight_decay": 0.01, "clipnorm": 1.0,
                  "use_ema": True, "gradient_accumulation_steps": 2}, True),
}


def _cases():
    for algo in PAIRS:
        for case, (options, ref_options, keras_ok) in CASES.items():
            if "amsgrad" in options and algo == "adamax":
                options = {k: v for k, v in options.items() if k != "amsgrad"}
                ref_options = {k: v for k, v in ref_options.items()
                               if k != "amsgrad"}
            if algo == "adamw" and "weight_decay" not in options:
                ref_options = {**ref_options, "weight_decay": 0.004}
            yield pytest.param(algo, options, ref_options, keras_ok,
                               id=f"{algo}-{case}")


KINDS = ("iteration", "learning_rate", "velocity_hat", "momentum",
         "velocity", "norm", "average", "accumulator")


def _kinds(optimizer):
    """The kind of each optimizer variable, in order (Keras compatibility)."""
    return [next((k for k in KINDS if k in v.path), v.path)
            for v in optimizer.variables]


def _slots(optimizer):
    """Per-variable reference-state names -> our slot lists."""
    if hasattr(optimizer, "_u"):
        return {"m": optimizer._m, "u": optimizer._u}
    slots = {"m": optimizer._momentums, "v": optimizer._velocities}
    if optimizer.amsgrad:
        slots["v_hat"] = optimizer._velocity_hats
    return slots


# Each fast path and the plain keras.ops path (fused=False) are checked.
PATHS = ["fast", "plain"] if BACKEND in FAST_PATH_BACKENDS else ["fast"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("algo, options, ref_options, keras_ok", _cases())
def test_matches_reference_and_keras(algo, options, ref_options, keras_ok,
                                     path):
    ours_cls, keras_cls, ref_algo = PAIRS[algo]
    weights, grads = initial_weights(), gradient_sequence(STEPS)
    fused = {"fused": False} if path == "plain" else {}

    ours_vars, ours = train(ours_cls(**options, **fused), weights, grads)
    # The kernels are the backends' fused ops, held to 16 ulps of the plain
    # path (test_fast_paths): 2e-6 of each value here, over 24 steps.
    fast = ({"rtol": 2e-6} if path == "fast" and BACKEND in FAST_PATH_BACKENDS
            else {})

    ref_weights, ref_states, ref_averages = reference.run(
        ref_algo, weights, grads, **ref_options)
    assert_all_close(numpy_list(ours_vars), ref_weights, what="weights",
                     **fast)
    for key, slot_list in _slots(ours).items():
        assert_all_close(numpy_list(slot_list),
                         [s[key] for s in ref_states], what=key, **fast)
    if options.get("use_ema"):
        assert_all_close(numpy_list(ours._model_variables_moving_average),
                         ref_averages, what="ema", **fast)

    if keras_ok:
        keras_vars, theirs = train(keras_cls(**options), weights, grads)
        # Keras' torch backend decays by float32(1 - wd * lr): that rounding
        # drifts ~1e-6 from the reference over 24 steps (we follow the
        # reference, on every backend).
        tol = ({"rtol": 1e-5} if BACKEND == "torch"
               and ref_options.get("weight_decay") else fast)
        assert_all_close(numpy_list(ours_vars), numpy_list(keras_vars),
                         what="weights vs keras", **tol)
        assert _kinds(ours) == _kinds(theirs)
        assert_all_close(numpy_list(ours.variables),
                         numpy_list(theirs.variables), what="state vs keras",
                         **tol)


def test_reference_detects_a_wrong_update():
    """The comparison can fail: a beta off by 1e-3 is caught."""
    weights, grads = initial_weights(), gradient_sequence(STEPS)
    ours_vars, _ = train(PAIRS["adam"][0](beta_1=0.901), weights, grads)
    ref_weights, _, _ = reference.run("adam", weights, grads)
    with pytest.raises(AssertionError):
        assert_all_close(numpy_list(ours_vars), ref_weights)


@pytest.mark.parametrize("algo", sorted(PAIRS))
@pytest.mark.parametrize("path", PATHS)
def test_the_chosen_path_runs(algo, path, monkeypatch):
    """The kernels really take the steps (and fused=False keeps them out),
    so the parity tests above check the path they name."""
    from kerasoptim import _fast

    calls = []
    if _fast.KERNELS is not None:
        real = _fast.KERNELS.run
        monkeypatch.setattr(_fast.KERNELS, "run", lambda kernel, *a, **k: (
            calls.append((kernel.__name__, "weight_decay" in k)),
        real(kernel, *a, **k)))
    options = {"fused": False} if path == "plain" else {}
    train(PAIRS[algo][0](**options), initial_weights(), gradient_sequence(3))
    if path == "plain" or BACKEND not in FAST_PATH_BACKENDS:
        assert calls == []
    else:
        kernel = "adamax" if algo == "adamax" else "adam"
        assert calls == [(kernel, algo == "adamw")] * 3


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("algo", sorted(PAIRS))
def test_exclude_from_weight_decay(algo, path):
    """Excluded variables (by object and by name) are not decayed."""
    import keras

    ours_cls, keras_cls, ref_algo = PAIRS[algo]
    weights, grads = initial_weights(), gradient_sequence(10)
    finals = []
    for cls, extra in ((ours_cls, {"fused": False} if path == "plain"
                        else {}), (keras_cls, {})):
        variables = [keras.Variable(w, name=f"w{i}")
                     for i, w in enumerate(weights)]
        optimizer = cls(learning_rate=0.01, weight_decay=0.1, **extra)
        optimizer.exclude_from_weight_decay(var_list=[variables[0]],
                                            var_names=["w2"])
        for step in grads:
            optimizer.apply([ops.convert_to_tensor(g) for g in step],
                            variables)
        finals.append(numpy_list(variables))
    expected = [
        reference.run(ref_algo, [w], [[g[i]] for g in grads], lr=0.01,
                      weight_decay=0.1 if i == 1 else None)[0][0]
        for i, w in enumerate(weights)]
    assert_all_close(finals[0], expected, rtol=1e-5)
    assert_all_close(finals[0], finals[1], rtol=1e-5)
    decayed_only = reference.run(ref_algo, [weights[0]],
                                 [[g[0]] for g in grads], lr=0.01,
                                 weight_decay=0.1)[0][0]
    assert not np.allclose(finals[0][0], decayed_only, rtol=1e-6)


if BACKEND != "tensorflow":  # TensorFlow has no stateless_apply (by design)
    @pytest.mark.parametrize("algo", sorted(PAIRS))
    def test_stateless_apply_leaves_its_inputs_alone(algo):
        """stateless_apply returns new values; the tensors passed in (and
        the variables) keep theirs, and the result is the stateful step's."""
        import keras

        weights, grads = initial_weights(), gradient_sequence(1)[0]
        variables = [keras.Variable(w) for w in weights]
        optimizer = PAIRS[algo][0](learning_rate=0.1, weight_decay=0.01)
        optimizer.build(variables)
        opt_values = [ops.convert_to_tensor(ops.convert_to_numpy(v))
                      for v in optimizer.variables]
        values = [ops.convert_to_tensor(w) for w in weights]
        new_values, _ = optimizer.stateless_apply(
            opt_values, [ops.convert_to_tensor(g) for g in grads], values)
        assert_all_close(numpy_list(values), weights, rtol=0, atol=0)
        assert_all_close(numpy_list(variables), weights, rtol=0, atol=0)
        stateful, _ = train(PAIRS[algo][0](learning_rate=0.1,
                                           weight_decay=0.01),
                            weights, [grads])
        assert_all_close(numpy_list(new_values), numpy_list(stateful),
                         rtol=1e-5)


@pytest.mark.parametrize("cls", [kerasoptim.Adam, kerasoptim.LazyAdam],
                         ids=["adam", "lazy_adam"])
def test_settings_changed_between_steps_take_effect(cls):
    """A compiled fast path must not freeze `beta_1` at its first trace."""
    weights, grads = initial_weights(), gradient_sequence(4)
    variables = [keras.Variable(w) for w in weights]
    optimizer = cls(learning_rate=0.05)
    expected = [w.copy() for w in weights]
    states = [dict(m=np.zeros_like(w), v=np.zeros_like(w)) for w in weights]
    for t, step in enumerate(grads, start=1):
        beta_1 = 0.9 if t <= 2 else 0.5
        optimizer.beta_1 = beta_1
        optimizer.apply([ops.convert_to_tensor(g) for g in step], variables)
        expected = [reference.adam_step(w, g, s, np.float32(t),
                                        np.float32(0.05), beta_1, 0.999,
                                        np.float32(1e-7))
                    for w, g, s in zip(expected, step, states)]
    assert_all_close(numpy_list(variables), expected, rtol=1e-5)
