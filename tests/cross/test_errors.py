"""Bad arguments given from R raise R errors naming the R argument, in R's
words, the words Python says for the same value given as R gives it."""

import re

import pytest

import kerasoptim
from kerasoptim._words import call_from_r

PYTHON_WORDS = re.compile(
    r"\b(None|True|False)\b|\{'|keyword argument|Traceback")

CASES = [
    ("optimizer_adam(beta_1 = 2)", ["beta_1", "2"]),
    ("optimizer_adam_w(learning_rate = -1)", ["learning_rate", "-1"]),
    ("optimizer_adamax(learning_rate = c(0.1, 0.2))", ["learning_rate"]),
    ("optimizer_adam(gradient_accumulation_steps = 2.5)",
     ["gradient_accumulation_steps", "2.5"]),
    ("optimizer_adam(use_ema = TRUE, ema_overwrite_frequency = 1.5)",
     ["ema_overwrite_frequency", "1.5"]),
    ("optimizer_adam(amsgrad = 'yes')", ["amsgrad", "yes"]),
    ("optimizer_adam(clipnorm = 1, clipvalue = 1)", ["clipnorm", "clipvalue"]),
    ("optimizer_adam_w(weight_decay = NULL)", ["weight_decay"]),
    ("optimizer_adam(momentum = 0.9)", ["momentum"]),
    ("optimizer_adam(0.001, 0.9, 0.999, 1e-07, FALSE, NULL, NULL, NULL, NULL,"
     " FALSE, 0.99, NULL, 'adam', 3)", ["must be named"]),
]


@pytest.mark.parametrize("code, words", CASES, ids=[c[0] for c in CASES])
def test_r_error_names_the_argument(r_error, code, words):
    message = r_error(code)
    assert message is not None, f"{code} did not fail"
    for word in words:
        assert word in message, message
    assert not PYTHON_WORDS.search(message), message


# A value R passes on and Python refuses: the R error is Python's, word for
# word, as `call_from_r` says it.
PASSED_ON = [
    ("optimizer_adam", {"beta_1": 2.0}, "beta_1 = 2"),
    ("optimizer_adam_w", {"learning_rate": -1.0}, "learning_rate = -1"),
    ("optimizer_adamax", {"epsilon": 0.0}, "epsilon = 0"),
    ("optimizer_lazy_adam", {"gradient_accumulation_steps": 1},
     "gradient_accumulation_steps = 1"),
    ("optimizer_adam", {"fused": "maybe"}, "fused = 'maybe'"),
    ("optimizer_adam", {"momentum": 0.9}, "momentum = 0.9"),
    ("optimizer_adam", {"clipnorm": 1.0, "clipvalue": 1.0},
     "clipnorm = 1, clipvalue = 1"),
]


@pytest.mark.parametrize("factory, kwargs, r_args", PASSED_ON,
                         ids=[c[2] for c in PASSED_ON])
def test_r_error_is_pythons_in_r_words(r_error, factory, kwargs, r_args):
    with pytest.raises(ValueError) as error:
        call_from_r(getattr(kerasoptim, factory), **kwargs)
    assert r_error(f"{factory}({r_args})") == str(error.value)
