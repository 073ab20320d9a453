"""Keras' own optimizer tests (`keras/src/optimizers/adam_test.py`,
`adamw_test.py`, `adamax_test.py`, shipped in the keras wheel) run against
kerasoptim's classes: each test module's optimizer class is swapped for
ours while its tests run. Every test passes as Keras wrote it; the one
Keras itself runs on TensorFlow only (`test_clipnorm_indexed_slices`) is
left out on the other backends rather than reported as skipped."""

import keras
import pytest
from keras.src.optimizers import adam_test, adamax_test, adamw_test

import kerasoptim

SWAPS = [(adam_test, "Adam"), (adamw_test, "AdamW"), (adamax_test, "Adamax")]


class TestKerasAdam(adam_test.AdamTest):
    if keras.backend.backend() != "tensorflow":
        test_clipnorm_indexed_slices = None  # Keras: TensorFlow only


class TestKerasAdamW(adamw_test.AdamWTest):
    pass


class TestKerasAdamax(adamax_test.AdamaxTest):
    pass


@pytest.fixture(autouse=True)
def kerasoptim_classes(monkeypatch):
    for module, name in SWAPS:
        monkeypatch.setattr(module, name, getattr(kerasoptim, name))


def test_the_swap_reaches_keras_tests():
    """Inside a Keras test, its optimizer class is ours."""
    assert adam_test.Adam is kerasoptim.Adam
    assert adamw_test.AdamW is kerasoptim.AdamW
    assert adamax_test.Adamax is kerasoptim.Adamax
