"""The optimizer R builds is the one Python builds: same `get_config()`."""

import re

import pytest

import kerasoptim
from conftest import r_call

FACTORIES = sorted(n for n in kerasoptim.__all__ if n.startswith("optimizer_"))

GRID = [
    {},
    {"learning_rate": 0.01},
    {"learning_rate": 1},
    {"beta_1": 0.8, "beta_2": 0.99},
    {"epsilon": 1e-05},
    {"amsgrad": True},
    {"weight_decay": 0.01},
    {"weight_decay": None},
    {"clipnorm": 1.0},
    {"clipvalue": 0.5},
    {"global_clipnorm": 2.0},
    {"use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 3},
    {"use_ema": True, "ema_overwrite_frequency": None},
    {"name": "custom"},
    {"loss_scale_factor": 8.0},
    {"gradient_accumulation_steps": 4},
    {"gradient_accumulation_steps": None},
]


def _grid(factory):
    params = kerasoptim.__dict__[factory].__code__.co_varnames
    for kwargs in GRID:
        if all(k in params for k in kwargs):
            if factory == "optimizer_adam_w" and kwargs == {
                    "weight_decay": None}:
                continue  # AdamW needs a weight decay (an error test covers it)
            yield kwargs


@pytest.mark.parametrize("factory, kwargs", [
    (f, k) for f in FACTORIES for k in _grid(f)],
    ids=lambda v: v if isinstance(v, str) else ",".join(v) or "defaults")
def test_r_and_python_build_the_same_optimizer(from_r, factory, kwargs):
    from_python = getattr(kerasoptim, factory)(**kwargs)
    built_in_r = from_r(r_call(factory, kwargs))
    assert type(built_in_r) is type(from_python)
    assert _config(built_in_r) == _config(from_python)


def _config(optimizer):
    """The config, the counter of a unique default name (`adam_3`) left
    out."""
    config = optimizer.get_config()
    config["name"] = re.sub(r"_[0-9]+$", "", config["name"])
    return config


def test_named_dots_are_forwarded(from_r, recwarn):
    """R's `...` reaches Python's `**kwargs` (TF2's `decay`, which Keras 3
    would warn about and ignore)."""
    optimizer = from_r("optimizer_adam(decay = 0.5)")
    assert isinstance(optimizer, kerasoptim.Adam)
    assert optimizer.decay == 0.5 and optimizer.get_config()["decay"] == 0.5
    assert not any("decay" in str(w.message) for w in recwarn.list)
