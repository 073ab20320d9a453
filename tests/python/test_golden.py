"""Keras' published golden trajectories (keras/src/optimizers/*_test.py,
`test_correctness_with_golden`), reproduced by our optimizers."""

import numpy as np
import pytest
import keras
from keras import ops

import kerasoptim

GOLDEN = {
    "adam_amsgrad": (
        lambda: kerasoptim.Adam(amsgrad=True),
        np.tile([[0.999], [0.9982], [0.9974], [0.9965], [0.9955]], (1, 10)),
    ),
    "adamw": (
        lambda: kerasoptim.AdamW(learning_rate=1.0, weight_decay=0.5,
                                 epsilon=2),
        np.array([
            [0.4998] * 10,
            [0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405,
             0.2394, 0.2382],
            [0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051,
             0.1027, 0.1003],
            [0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033,
             0.0294, 0.0258],
            [0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067,
             -0.0113, -0.0159],
        ]),
    ),
    "adamax": (
        lambda: kerasoptim.Adamax(learning_rate=0.2, beta_1=0.85,
                                  beta_2=0.95, epsilon=1e-6),
        np.array([
            [0.8] * 10,
            [0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908,
             0.6909, 0.691],
            [0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462,
             0.5464, 0.5466],
            [0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843,
             0.3846, 0.3848],
            [0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121,
             0.2124, 0.2126],
        ]),
    ),
}


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_golden_trajectory(case):
    make, golden = GOLDEN[case]
    optimizer = make()
    x = keras.Variable(np.ones([10], dtype="float32"))
    grads = ops.arange(0.1, 1.1, 0.1)
    first_grads = ops.full((10,), 0.01)
    optimizer.apply_gradients(zip([first_grads], [x]))
    for expected in golden:
        np.testing.assert_allclose(ops.convert_to_numpy(x), expected,
                                   rtol=5e-4, atol=5e-4)
        optimizer.apply_gradients(zip([grads], [x]))
