"""Every argument against the same 50 odd values: each is accepted with
Keras' meaning (three steps then give finite weights) or refused at
construction by a `ValueError` naming the argument. Which values each
argument accepts is written out below, argument by argument, from the
documented table (`kerasoptim._args.RULES`), so a change of verdict fails
here. R's wrappers are held to the same verdicts in
tests/testthat/test-odd-values.R."""

import math

import keras
import numpy as np
import pytest
from keras import ops

import kerasoptim
from helpers import BACKEND, FAST_PATH_BACKENDS


def odd_values():
    """`{label: value}`; built per test (variables and tensors are made
    on the backend under test)."""
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)
    return {
        "str": "0.1", "empty_str": "", "list": [0.1], "tuple": (0.1,),
        "dict": {"x": 0.1}, "none": None, "true": True, "false": False,
        "np_true": np.bool_(True), "zero": 0, "zero_float": 0.0,
        "neg_zero": -0.0, "one": 1, "one_float": 1.0, "two": 2,
        "two_float": 2.0, "three_float": 3.0, "half": 0.5, "tenth": 0.1,
        "non_whole": 2.5, "neg": -0.1, "neg_one": -1, "tiny": 1e-45,
        "small": 1e-7, "big": 1e6, "huge": 1e20, "e308": 1e308,
        "inf": math.inf, "neg_inf": -math.inf, "nan": math.nan,
        "pow400": 10**400, "pow63": 2**63, "int32_max": 2**31 - 1,
        "int32_max_plus": 2**31, "complex": 1 + 0j, "object": object(),
        "np_f32": np.float32(0.1), "np_f64": np.float64(0.5),
        "np_i64": np.int64(2), "np_nan": np.float32("nan"),
        "np_0d": np.array(0.5), "np_1elem": np.array([0.5]),
        "tensor": ops.convert_to_tensor(0.5),
        "int_tensor": ops.convert_to_tensor(2),
        "tensor_vec": ops.convert_to_tensor([0.5]),
        "variable": keras.Variable(0.5),
        "callable": lambda: 0.5, "callable_arg": lambda x: 0.5,
        "schedule": schedule, "bytes": b"1",
    }


ZEROS = {"zero", "zero_float", "neg_zero"}
WHOLE = {"one", "one_float", "two", "two_float", "three_float", "np_i64",
         "int_tensor"}
FRACTIONS = {"half", "tenth", "small", "np_f32", "np_f64", "np_0d",
             "tensor", "variable"}
POSITIVE = WHOLE | FRACTIONS | {"non_whole", "big"}
FLAGS = {"true", "false", "np_true"}
OFF = ZEROS | {"none"}
FACTORS = POSITIVE | {"huge", "int32_max", "int32_max_plus", "pow63"}

ACCEPTED = {
    "learning_rate": ZEROS | POSITIVE | {"tiny", "callable", "schedule"},
    "beta_1": ZEROS | FRACTIONS | {"tiny", "callable"},
    "beta_2": ZEROS | FRACTIONS | {"tiny", "callable"},
    "epsilon": POSITIVE,
    "amsgrad": FLAGS,
    "weight_decay": {"none"} | ZEROS | POSITIVE | {"tiny"},
    "clipnorm": OFF | FACTORS,
    "clipvalue": OFF | FACTORS,
    "global_clipnorm": OFF | FACTORS,
    "use_ema": FLAGS,
    "ema_momentum": ZEROS | FRACTIONS | {"one", "one_float", "tiny"},
    "ema_overwrite_frequency": OFF | WHOLE | {"big", "int32_max"},
    "loss_scale_factor": {"none"} | FACTORS,
    "gradient_accumulation_steps": OFF | (WHOLE - {"one", "one_float"})
    | {"big", "int32_max"},
    "name": {"none", "str", "empty_str"},
    "fused": {"none", "false"} | (
        {"true", "np_true"} if BACKEND in FAST_PATH_BACKENDS else set()),
    # TF2's `lr` (`learning_rate`) and `decay` (of the learning rate).
    "lr": ZEROS | POSITIVE | {"tiny", "callable", "schedule"},
    "decay": {"none"} | ZEROS | POSITIVE | {"tiny"},
    # A dtype's name ("bfloat16", "float16", "float32"): no odd value.
    "moment_dtype": {"none"},
}
LABELS = sorted(odd_values())


def three_steps(optimizer):
    variable = keras.Variable(np.array([1.0, -2.0, 0.0], "float32"))
    for step in range(3):
        grad = ops.convert_to_tensor(
            np.array([0.5, -1.0, 0.0], "float32") * (step + 1))
        optimizer.apply([grad], [variable])
    return ops.convert_to_numpy(variable)


def test_the_table_holds_at_least_40_values_and_every_argument():
    assert len(LABELS) >= 40
    assert set(ACCEPTED) == set(kerasoptim._args.RULES)
    assert all(ACCEPTED[a] <= set(LABELS) for a in ACCEPTED)


@pytest.mark.parametrize("argument", sorted(ACCEPTED))
@pytest.mark.parametrize("label", LABELS)
def test_odd_value(argument, label):
    value = odd_values()[label]
    extra = {"use_ema": True} if argument.startswith("ema_") else {}
    if label in ACCEPTED[argument]:
        weights = three_steps(kerasoptim.Adam(**{argument: value}, **extra))
        assert np.all(np.isfinite(weights)), weights
    else:
        with pytest.raises(ValueError, match=f"`{argument}`"):
            kerasoptim.Adam(**{argument: value}, **extra)


@pytest.mark.parametrize("argument", ["clipnorm", "clipvalue",
                                      "global_clipnorm",
                                      "gradient_accumulation_steps"])
def test_zero_means_off_as_in_keras(argument):
    off = three_steps(kerasoptim.Adam(**{argument: 0}, learning_rate=0.1))
    unset = three_steps(kerasoptim.Adam(learning_rate=0.1))
    np.testing.assert_array_equal(off, unset)
    on = 1e-3 if argument != "gradient_accumulation_steps" else 2
    assert not np.array_equal(
        three_steps(kerasoptim.Adam(**{argument: on}, learning_rate=0.1)),
        unset)


def test_zero_learning_rate_takes_no_step():
    np.testing.assert_array_equal(
        three_steps(kerasoptim.Adam(learning_rate=0)), [1.0, -2.0, 0.0])


@pytest.mark.parametrize("argument", ["learning_rate", "beta_1", "beta_2"])
def test_a_variable_stays_live(argument):
    """An assignment to a variable argument takes effect at the next step,
    on every backend (here the plain path: `fused=False`)."""
    default = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999}
    changed = {"learning_rate": 0.5, "beta_1": 0.1, "beta_2": 0.2}
    live = keras.Variable(default[argument])
    optimizer = kerasoptim.Adam(**{argument: live}, fused=False)
    variable = keras.Variable(np.ones(3, "float32"))
    grad = ops.convert_to_tensor(np.array([0.5, -1.0, 2.0], "float32"))
    optimizer.apply([grad], [variable])
    live.assign(changed[argument])
    optimizer.apply([grad * 3], [variable])
    reference = kerasoptim.Adam(**default, fused=False)
    expected = keras.Variable(np.ones(3, "float32"))
    reference.apply([grad], [expected])
    setattr(reference, argument, changed[argument]) if argument != \
        "learning_rate" else reference.learning_rate.assign(
            changed[argument])
    reference.apply([grad * 3], [expected])
    np.testing.assert_allclose(ops.convert_to_numpy(variable),
                               ops.convert_to_numpy(expected), rtol=1e-6)
    assert float(ops.convert_to_numpy(getattr(optimizer, argument))) == \
        pytest.approx(changed[argument])


def test_default_names_are_unique_and_given_names_kept():
    first, second = kerasoptim.optimizer_adam(), kerasoptim.optimizer_adam()
    assert first.name != second.name
    assert second.name.startswith("adam_")
    assert kerasoptim.optimizer_adam(name="mine").name == "mine"
    assert kerasoptim.optimizer_adam(name="adam").name == "adam"  # as given
    assert kerasoptim.optimizer_adam(name=None).name.startswith("adam_")
    assert kerasoptim.Adam().name != kerasoptim.Adam().name


def test_variable_arguments_save_and_load(tmp_path):
    """A model trained with variable learning rate and betas saves and loads
    (the config holds their values; the optimizer's variables are Keras'
    own list), and the loaded optimizer holds the same state."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=kerasoptim.Adam(
        learning_rate=keras.Variable(0.05), beta_1=keras.Variable(0.8),
        beta_2=keras.Variable(0.99)), loss="mse")
    x = np.ones((4, 2), "float32")
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.optimizer.get_config()["beta_1"] == pytest.approx(0.8)
    assert [ops.convert_to_numpy(v).tolist()
            for v in loaded.optimizer.variables] == [
        ops.convert_to_numpy(v).tolist() for v in model.optimizer.variables]
