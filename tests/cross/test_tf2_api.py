"""TF2's optimizer API called from R: `minimize()` with R functions as the
loss and as `var_list`, `get_weights()` into `set_weights()`, and TF2's
`lr` and `decay` through the wrappers' `...`."""

import re

import keras
import numpy as np
from keras import ops

import kerasoptim

PAGE_EXAMPLE = """local({
  keras <- reticulate::import("keras")
  opt <- optimizer_adam(learning_rate = 0.1)
  var1 <- keras$Variable(10)
  loss <- function() keras$ops$divide(keras$ops$square(var1), 2)
  first <- opt$minimize(loss, list(var1))$numpy()
  after_first <- var1$numpy()
  second <- opt$minimize(loss, function() list(var1))$numpy()
  list(first = first, after_first = after_first, second = second,
       var1 = var1, opt = opt)
})"""


def test_minimize_with_r_functions(from_r):
    """tf.keras' Adam page example, in R: step count 1, `var1` 9.9; a
    second step with `var_list` an R function."""
    out = from_r(PAGE_EXAMPLE)
    assert int(out["first"]) == 1 and int(out["second"]) == 2
    np.testing.assert_allclose(float(out["after_first"]), 9.9, rtol=1e-6)
    twin = kerasoptim.Adam(learning_rate=0.1)
    var1 = keras.Variable(10.0)
    for _ in range(2):
        twin.minimize(lambda: ops.square(var1) / 2, [var1])
    assert float(ops.convert_to_numpy(out["var1"])) == float(
        ops.convert_to_numpy(var1))


GET_WEIGHTS = """local({
  keras <- reticulate::import("keras")
  make <- function() keras$Variable(keras$ops$ones(list(3L)))
  v <- make()
  opt <- optimizer_adam_w(learning_rate = 0.01)
  for (i in 1:3) opt$minimize(function() keras$ops$sum(keras$ops$square(v)),
                              list(v))
  target <- optimizer_adam_w(learning_rate = 0.5)
  target$build(list(make()))
  target$set_weights(opt$get_weights())
  list(source = opt, target = target, n = length(opt$get_weights()))
})"""


def test_get_weights_into_set_weights_from_r(from_r):
    out = from_r(GET_WEIGHTS)
    assert int(out["n"]) == 4  # iterations, learning rate, m, v
    state = out["source"].get_weights()
    assert int(state[0]) == 3
    for got, want in zip(out["target"].get_weights(), state):
        np.testing.assert_array_equal(got, want)


def _config(optimizer):
    config = optimizer.get_config()
    config["name"] = re.sub(r"_[0-9]+$", "", config["name"])
    return config


def test_lr_and_decay_from_r(from_r):
    r_built = from_r("optimizer_lazy_adam(lr = 0.1, decay = 0.01)")
    assert _config(r_built) == _config(
        kerasoptim.optimizer_lazy_adam(lr=0.1, decay=0.01))
    assert r_built.decay == 0.01
    r_built.build([keras.Variable(np.zeros(2, "float32"))])
    r_built.iterations.assign(10)
    np.testing.assert_allclose(ops.convert_to_numpy(r_built.learning_rate),
                               0.1 / (1 + 0.01 * 10), rtol=1e-6)


def test_lr_with_learning_rate_is_an_r_error(r_error):
    message = r_error("optimizer_adam(learning_rate = 0.01, lr = 0.1)")
    assert message is not None
    assert "`lr`" in message and "`learning_rate`" in message
    assert "lr = 0.1" in message or "lr=0.1" in message
