"""Bad input raises at construction, naming the argument, the value received
and what is allowed; whole floats and integer learning rates are accepted."""

import pytest

import kerasoptim
from kerasoptim import optimizer_adam, optimizer_adam_w, optimizer_adamax

FACTORIES = [optimizer_adam, optimizer_adam_w, optimizer_adamax]

BAD = [
    ({"gradient_accumulation_steps": 2.5}, ValueError,
     r"`gradient_accumulation_steps` must be a whole number >= 2 or None\. "
     r"Received: gradient_accumulation_steps=2\.5"),
    ({"gradient_accumulation_steps": 1}, ValueError,
     r"gradient_accumulation_steps=1$"),
    ({"use_ema": True, "ema_overwrite_frequency": 0.5}, ValueError,
     r"`ema_overwrite_frequency` must be a whole number >= 1 or None\. "
     r"Received: ema_overwrite_frequency=0\.5"),
    ({"learning_rate": -0.1}, ValueError,
     r"`learning_rate` must be a number > 0, a keras\.optimizers\.schedules"
     r"\.LearningRateSchedule or a callable that takes no arguments\. "
     r"Received: learning_rate=-0\.1"),
    ({"learning_rate": 0}, ValueError, r"Received: learning_rate=0$"),
    ({"learning_rate": "fast"}, TypeError,
     r"Received: learning_rate='fast' \(of type str\)"),
    ({"beta_1": 1.0}, ValueError,
     r"`beta_1` must be a number in \[0, 1\), a scalar tensor or a callable "
     r"that takes no arguments\. Received: beta_1=1\.0"),
    ({"beta_2": -0.1}, ValueError, r"Received: beta_2=-0\.1"),
    ({"epsilon": -1e-7}, ValueError,
     r"`epsilon` must be a number >= 0\. Received: epsilon=-1e-07"),
    ({"weight_decay": -0.01}, ValueError,
     r"`weight_decay` must be a number >= 0 or None\. "
     r"Received: weight_decay=-0\.01"),
    ({"clipnorm": 0.0}, ValueError,
     r"`clipnorm` must be a number > 0 or None\. Received: clipnorm=0\.0"),
    ({"clipvalue": -1.0}, ValueError, r"Received: clipvalue=-1\.0"),
    ({"global_clipnorm": 0}, ValueError, r"Received: global_clipnorm=0"),
    ({"clipnorm": 1.0, "clipvalue": 0.5}, ValueError,
     r"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set\. "
     r"Received: clipnorm=1\.0, clipvalue=0\.5"),
    ({"ema_momentum": 1.5}, ValueError,
     r"`ema_momentum` must be a number in \[0, 1\]\. "
     r"Received: ema_momentum=1\.5"),
    ({"amsgrad": "yes"}, TypeError,
     r"`amsgrad` must be True or False\. Received: amsgrad='yes'"),
    ({"use_ema": 1}, TypeError, r"`use_ema` must be True or False"),
    ({"name": 3}, TypeError, r"`name` must be a string or None"),
    ({"loss_scale_factor": 0.0}, ValueError,
     r"Received: loss_scale_factor=0\.0"),
    ({"momentum": 0.9}, TypeError,
     r"got unknown keyword argument\(s\): momentum=0\.9\. "
     r"Extra keyword arguments allowed: `decay`"),
]


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kwargs, error, message", BAD,
                         ids=[repr(b[0]) for b in BAD])
def test_bad_argument(factory, kwargs, error, message):
    if "amsgrad" in kwargs and factory is optimizer_adamax:
        kwargs = {"amsgrad_typo": 1}  # Adamax has no amsgrad
        error, message = TypeError, r"amsgrad_typo=1"
    with pytest.raises(error, match=message):
        factory(**kwargs)


def test_unknown_keyword_names_the_factory():
    with pytest.raises(TypeError, match=r"^optimizer_adam_w\(\) got unknown"):
        optimizer_adam_w(betas=(0.9, 0.99))


def test_adamw_needs_weight_decay():
    with pytest.raises(ValueError, match=r"Received: weight_decay=None"):
        optimizer_adam_w(weight_decay=None)


def test_classes_check_too():
    with pytest.raises(ValueError, match=r"Received: beta_1=2"):
        kerasoptim.Adam(beta_1=2)


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
