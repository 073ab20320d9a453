"""`repr()` shows the class (public path), the name and the settings that
differ from the defaults, as R's print() shows them all."""

import keras
import pytest

import kerasoptim


@pytest.mark.parametrize("cls", [kerasoptim.Adam, kerasoptim.AdamW,
                                 kerasoptim.Adamax, kerasoptim.LazyAdam])
def test_repr_shows_class_name_and_changed_settings(cls):
    assert repr(cls(name="opt")) == f"kerasoptim.{cls.__name__}(name='opt')"
    text = repr(cls(name="opt", learning_rate=0.01, clipnorm=1.0,
                    use_ema=True))
    assert text == (f"kerasoptim.{cls.__name__}(name='opt', "
                    "learning_rate=0.01, clipnorm=1, use_ema=True)")


def test_repr_of_schedules_and_extras():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    text = repr(kerasoptim.optimizer_adam_w(learning_rate=schedule,
                                            weight_decay=0.1, fused=False))
    assert text.startswith("kerasoptim.AdamW(name='adamw")
    assert text.endswith("learning_rate=<ExponentialDecay>, "
                         "weight_decay=0.1, fused=False)")


def test_base_class_is_public():
    assert kerasoptim.AdamFamily.__module__ == "kerasoptim"
    assert issubclass(kerasoptim.LazyAdam, kerasoptim.AdamFamily)
