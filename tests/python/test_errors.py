"""Bad input raises at construction an `ArgumentError` (a `ValueError`, as
Keras raises, and a `TypeError`) naming the argument, the value received and
what is allowed; where Keras has its own words, they come first."""

import pytest

import kerasoptim
from kerasoptim import optimizer_adam, optimizer_adam_w, optimizer_adamax

FACTORIES = [optimizer_adam, optimizer_adam_w, optimizer_adamax]

BAD = [
    ({"gradient_accumulation_steps": 2.5},
     r"^`gradient_accumulation_steps` must be an integer >= 2\. "
     r"Received: gradient_accumulation_steps=2\.5\. Allowed: 0 \(off\) or a "
     r"whole number in \[2, 2147483647\] or None\.$"),
    ({"gradient_accumulation_steps": 1}, r"gradient_accumulation_steps=1\."),
    ({"use_ema": True, "ema_overwrite_frequency": 0.5},
     r"^`ema_overwrite_frequency` must be an integer >= 1 or None\. "
     r"Received: ema_overwrite_frequency=0\.5"),
    ({"learning_rate": -0.1},
     r"^Argument `learning_rate` must be a number in \[0, 1e\+06\], a "
     r"LearningRateSchedule, a keras\.Variable \(read at each step\) or a "
     r"callable that takes no arguments\. Received: learning_rate=-0\.1$"),
    ({"learning_rate": float("inf")}, r"Received: learning_rate=inf$"),
    ({"learning_rate": 10**400}, r"Received: learning_rate=1000000000"),
    ({"learning_rate": "fast"}, r"Received: learning_rate='fast'$"),
    ({"learning_rate": lambda step: 0.1}, r"Received: learning_rate=<function"),
    ({"beta_1": 1.0},
     r"^Argument `beta_1` must be a number in \[0, 1\), a keras\.Variable "
     r"\(read at each step\) or a callable that takes no arguments\. "
     r"Received: beta_1=1\.0$"),
    ({"beta_2": -0.1}, r"Received: beta_2=-0\.1$"),
    ({"epsilon": 0.0},
     r"^Argument `epsilon` must be a number in \[1e-20, 1e\+06\]\. "
     r"Received: epsilon=0\.0$"),
    ({"weight_decay": 2**63}, r"Received: weight_decay=9223372036854775808$"),
    ({"clipnorm": -1.0},
     r"^Argument `clipnorm` must be 0 \(off\) or a number in \[1e-20, "
     r"1e\+20\] or None\. Received: clipnorm=-1\.0$"),
    ({"clipvalue": float("nan")}, r"Received: clipvalue=nan$"),
    ({"global_clipnorm": 1e308}, r"Received: global_clipnorm=1e\+308$"),
    ({"clipnorm": 1.0, "clipvalue": 0.5},
     r"^Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
     r"set\. Received: clipnorm=1\.0, clipvalue=0\.5$"),
    ({"ema_momentum": 1.5},
     r"^Argument `ema_momentum` must be a number in \[0, 1\]\. "
     r"Received: ema_momentum=1\.5$"),
    ({"amsgrad": "yes"},
     r"^Argument `amsgrad` must be True or False\. Received: amsgrad='yes'$"),
    ({"use_ema": 1}, r"^Argument `use_ema` must be True or False\."),
    ({"name": 3}, r"^Argument `name` must be a string or None\."),
    ({"loss_scale_factor": 1e-45}, r"Received: loss_scale_factor=1e-45$"),
    ({"momentum": 0.9},
     r"^Argument\(s\) not recognized: \{'momentum': 0\.9\}\. "
     r"optimizer_adam\w*\(\) takes these extra keyword arguments: `decay`, "
     r"`fused`$"),
]


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kwargs, message", BAD,
                         ids=[repr(b[0]) for b in BAD])
def test_bad_argument(factory, kwargs, message):
    if "amsgrad" in kwargs and factory is optimizer_adamax:
        kwargs, message = {"amsgrad_typo": 1}, r"'amsgrad_typo': 1"
    with pytest.raises(ValueError, match=message) as error:
        factory(**kwargs)
    assert isinstance(error.value, TypeError)  # both, as the docs say


def test_adamw_needs_weight_decay_in_keras_words():
    with pytest.raises(ValueError, match=r"^Argument `weight_decay` must be "
                       r"a float\. Received: weight_decay=None\. Allowed: "):
        optimizer_adam_w(weight_decay=None)


def test_classes_check_too():
    with pytest.raises(ValueError, match=r"Received: beta_1=2$"):
        kerasoptim.Adam(beta_1=2)
    with pytest.raises(ValueError, match=r"^Argument\(s\) not recognized: "
                       r"\{'betas': 1\}\. Adam takes"):
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


def test_decay_is_accepted_with_a_warning():
    with pytest.warns(UserWarning, match="decay"):
        optimizer_adam(decay=0.1)
