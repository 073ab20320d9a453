"""Bad input raises at construction an `ArgumentError` (a `ValueError`, as
Keras raises, and a `TypeError`) naming the argument, what is allowed and
the value received, one text per argument; in R's words for a call from R."""

import re
import warnings

import keras
import numpy as np
import pytest

import kerasoptim
from kerasoptim import _args, optimizer_adam, optimizer_adam_w, \
    optimizer_adamax
from kerasoptim._words import call_from_r, r_value

FACTORIES = [optimizer_adam, optimizer_adam_w, optimizer_adamax]

BAD = [
    ({"gradient_accumulation_steps": 2.5},
     r"^Argument `gradient_accumulation_steps` must be 0 \(off\), a whole "
     r"number in \[2, 2147483647\] or `None`\. "
     r"Received: gradient_accumulation_steps=2\.5$"),
    ({"gradient_accumulation_steps": 1}, r"gradient_accumulation_steps=1$"),
    ({"use_ema": True, "ema_overwrite_frequency": 0.5},
     r"^Argument `ema_overwrite_frequency` must be 0 \(off\), a whole number "
     r"in \[1, 2147483647\] or `None`\. Received: ema_overwrite_frequency=0\.5"),
    ({"learning_rate": -0.1},
     r"^Argument `learning_rate` must be a number in \[0, 1e\+06\], a "
     r"`LearningRateSchedule`, a `keras\.Variable` \(read at each step\) or "
     r"a callable that takes no arguments\. Received: learning_rate=-0\.1$"),
    ({"learning_rate": float("inf")}, r"Received: learning_rate=inf$"),
    ({"learning_rate": 10**400}, r"Received: learning_rate=1000000000"),
    ({"learning_rate": "fast"}, r"Received: learning_rate='fast'$"),
    ({"learning_rate": lambda step: 0.1}, r"Received: learning_rate=<function"),
    ({"beta_1": 1.0},
     r"^Argument `beta_1` must be a number in \[0, 1\), a `keras\.Variable` "
     r"\(read at each step\) or a callable that takes no arguments\. "
     r"Received: beta_1=1\.0$"),
    ({"beta_2": -0.1}, r"Received: beta_2=-0\.1$"),
    ({"epsilon": 0.0},
     r"^Argument `epsilon` must be a number in \[1e-20, 1e\+06\]\. "
     r"Received: epsilon=0\.0$"),
    ({"weight_decay": 2**63}, r"Received: weight_decay=9223372036854775808$"),
    ({"clipnorm": -1.0},
     r"^Argument `clipnorm` must be 0 \(off\), a number in \[1e-20, "
     r"1e\+20\] or `None`\. Received: clipnorm=-1\.0$"),
    ({"clipvalue": float("nan")}, r"Received: clipvalue=nan$"),
    ({"global_clipnorm": 1e308}, r"Received: global_clipnorm=1e\+308$"),
    ({"clipnorm": 1.0, "clipvalue": 0.5},
     r"^Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
     r"set\. Received: clipnorm=1\.0, clipvalue=0\.5$"),
    ({"ema_momentum": 1.5},
     r"^Argument `ema_momentum` must be a number in \[0, 1\]\. "
     r"Received: ema_momentum=1\.5$"),
    ({"amsgrad": "yes"},
     r"^Argument `amsgrad` must be `True` or `False`\. "
     r"Received: amsgrad='yes'$"),
    ({"use_ema": 1}, r"^Argument `use_ema` must be `True` or `False`\."),
    ({"name": 3}, r"^Argument `name` must be a string or `None`\."),
    ({"fused": "maybe"},
     r"^Argument `fused` must be `True`, `False` or `None`\. "),
    ({"loss_scale_factor": 1e-45}, r"Received: loss_scale_factor=1e-45$"),
    ({"momentum": 0.9},
     r"^Argument\(s\) not recognized by optimizer_adam\w*\(\): `momentum`\. "
     r"Its extra keyword arguments are: `decay`, `fused`, `lr`, "
     r"`moment_dtype`\. "
     r"Received: momentum=0\.9$"),
]


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kwargs, message", BAD,
                         ids=[repr(b[0]) for b in BAD])
def test_bad_argument(factory, kwargs, message):
    if "amsgrad" in kwargs and factory is optimizer_adamax:
        kwargs, message = {"amsgrad_typo": 1}, r"`amsgrad_typo`"
    with pytest.raises(ValueError, match=message) as error:
        factory(**kwargs)
    assert isinstance(error.value, TypeError)  # both, as the docs say


@pytest.mark.parametrize("value", [None, "x", -1.0])
def test_adamw_says_one_thing_of_weight_decay(value):
    """One allowed set for every wrong value; a value that is no number at
    all gets Keras' own words first (Keras' AdamW test matches them)."""
    with pytest.raises(ValueError, match=r"^Argument `weight_decay` must be "
                       r"(a number in \[0, 1e\+06\]\. Received: .*|a float\. "
                       r"Received: .*\. Allowed: a number in \[0, 1e\+06\]\.)$"
                       ) as caught:
        optimizer_adam_w(weight_decay=value)
    assert ("a float" in str(caught.value)) == (value != -1.0)


# A bad value for each argument; from R, its message has R's words only.
R_CASES = [dict(b[0]) for b in BAD] + [{"weight_decay": None}]
PYTHON_WORDS = re.compile(
    r"\b(None|True|False)\b|\{'|keyword argument|keras\.Variable|"
    r"LearningRateSchedule|callable")


@pytest.mark.parametrize("kwargs", R_CASES, ids=repr)
def test_from_r_errors_speak_r(kwargs):
    with pytest.raises(ValueError) as error:
        call_from_r(optimizer_adam_w, **kwargs)
    assert not PYTHON_WORDS.search(str(error.value)), str(error.value)
    with pytest.raises(ValueError):
        optimizer_adam_w(**kwargs)  # the same verdict in Python


@pytest.mark.parametrize("value, shown", [
    (None, "NULL"), (True, "TRUE"), ('a"b', '"a\\"b"'), (3, "3"),
    (2.5, "2.5"), (1e5, "1e+05"), (123456.0, "123456"), (1e-4, "1e-04"),
    (0.001, "0.001"), (float("inf"), "Inf"), (float("nan"), "NaN"),
    ([1.0, "a"], 'list(1, "a")'), (10**400, "1" + "0" * 56 + "...")])
def test_values_are_shown_as_r_writes_them(value, shown):
    assert r_value(value) == shown


def test_from_r_speaks_r_only_while_it_runs():
    with pytest.raises(ValueError, match="beta_1=NULL$"):
        call_from_r(_args.check, "beta_1", None)
    with pytest.raises(ValueError, match="`keras.Variable`"):
        _args.check("beta_1", None)


def test_classes_check_too():
    with pytest.raises(ValueError, match=r"Received: beta_1=2$"):
        kerasoptim.Adam(beta_1=2)
    with pytest.raises(ValueError, match=r"^Argument\(s\) not recognized "
                       r"by Adam: `betas`\. Its extra keyword"):
        kerasoptim.Adam(betas=1)


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_r_style_numbers_are_accepted(factory):
    opt = factory(learning_rate=1, gradient_accumulation_steps=2.0,
                  use_ema=True, ema_overwrite_frequency=3.0)
    assert opt.gradient_accumulation_steps == 2
    assert isinstance(opt.gradient_accumulation_steps, int)
    assert opt.ema_overwrite_frequency == 3
    assert isinstance(opt.ema_overwrite_frequency, int)
    assert opt.get_config()["learning_rate"] == 1.0


def test_decay_is_tf2s_learning_rate_decay_without_a_warning():
    """`decay` is TF2's time-inverse decay of the learning rate (Keras 3
    warns and ignores it); test_tf2_api.py checks its numbers."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer = optimizer_adam(learning_rate=0.1, decay=0.5)
    optimizer.build([keras.Variable(np.zeros(2, "float32"))])
    optimizer.iterations.assign(2)
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == \
        pytest.approx(0.1 / (1 + 0.5 * 2))
