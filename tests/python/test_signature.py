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


def test_document_reads_init_not_the_class_signature():
    """`document()` lists `__init__`'s arguments even for a class without
    its own `__init__` whose base has a custom `__new__` (Keras'
    `TorchOptimizer`; `inspect.signature(cls)` then differs by Python
    version)."""
    from kerasoptim import _docs

    class Base:
        def __new__(cls, *args, **kwargs):
            return super().__new__(cls)

        def __init__(self, learning_rate=0.1, name=None):
            pass

    class Child(Base):
        """Summary."""

    _docs.document(Child, "LazyAdam")
    assert _docs.parameters(Child) == ["learning_rate", "name"]
    assert Child.__doc__.splitlines()[:3] == [
        "Summary.", "", "Args:"]
    assert Child.__doc__.splitlines()[3].startswith(
        "    learning_rate: A float")


def test_document_refuses_an_undocumented_argument():
    from kerasoptim import _docs

    def f(learning_rate, new_argument):
        """Summary."""

    with pytest.raises(KeyError, match="new_argument"):
        _docs.document(f, "Adam")


def test_per_optimizer_texts():
    """Adamax's epsilon is not "epsilon hat"; AdamW's weight decay is
    required; LazyAdam decays only the rows that take part."""
    def args_section(obj, name):
        line = next(l for l in obj.__doc__.splitlines()
                    if l.startswith(f"    {name}: "))
        return line

    assert "epsilon hat" in args_section(kerasoptim.Adam, "epsilon")
    assert "epsilon hat" not in args_section(kerasoptim.Adamax, "epsilon")
    assert "Must not be `None`" in args_section(kerasoptim.AdamW,
                                                "weight_decay")
    assert "rows that take part" in args_section(kerasoptim.LazyAdam,
                                                 "weight_decay")
    for obj in (kerasoptim.Adam, kerasoptim.optimizer_lazy_adam):
        assert "`fused`: `None` (default)" in args_section(obj, "kwargs")
