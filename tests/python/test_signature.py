"""The factories' signatures are exactly the R keras3 signatures."""

import inspect

import pytest

import kerasoptim

P = inspect.Parameter
COMMON_TAIL = [
    ("clipnorm", None), ("clipvalue", None), ("global_clipnorm", None),
    ("use_ema", False), ("ema_momentum", 0.99),
    ("ema_overwrite_frequency", None),
]
EXPECTED = {
    "optimizer_adam": [
        ("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999),
        ("epsilon", 1e-07), ("amsgrad", False), ("weight_decay", None),
        *COMMON_TAIL, ("name", "adam")],
    "optimizer_adam_w": [
        ("learning_rate", 0.001), ("weight_decay", 0.004), ("beta_1", 0.9),
        ("beta_2", 0.999), ("epsilon", 1e-07), ("amsgrad", False),
        *COMMON_TAIL, ("name", "adamw")],
    "optimizer_adamax": [
        ("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999),
        ("epsilon", 1e-07), ("weight_decay", None), *COMMON_TAIL,
        ("name", "adamax")],
}
KEYWORD_ONLY = [("loss_scale_factor", None),
                ("gradient_accumulation_steps", None)]


@pytest.mark.parametrize("factory", sorted(EXPECTED))
def test_factory_signature(factory):
    params = inspect.signature(getattr(kerasoptim, factory)).parameters
    expected = [
        *[(n, P.POSITIONAL_OR_KEYWORD, d) for n, d in EXPECTED[factory]],
        *[(n, P.KEYWORD_ONLY, d) for n, d in KEYWORD_ONLY],
        ("kwargs", P.VAR_KEYWORD, P.empty),
    ]
    actual = [(p.name, p.kind, p.default) for p in params.values()]
    assert actual == expected


@pytest.mark.parametrize("cls, keras_name", [
    ("Adam", "Adam"), ("AdamW", "AdamW"), ("Adamax", "Adamax")])
def test_class_signature_is_keras(cls, keras_name):
    """The classes are drop-in replacements for Keras' own."""
    import keras

    ours = inspect.signature(getattr(kerasoptim, cls)).parameters
    theirs = inspect.signature(getattr(keras.optimizers, keras_name)).parameters
    assert [(p.name, p.default) for p in ours.values()] == [
        (p.name, p.default) for p in theirs.values()]


@pytest.mark.parametrize("factory", sorted(EXPECTED))
def test_docstring_documents_every_argument(factory):
    doc = getattr(kerasoptim, factory).__doc__
    for name in inspect.signature(getattr(kerasoptim, factory)).parameters:
        assert f"    {name}: " in doc
