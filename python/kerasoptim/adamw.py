"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019)."""

import keras

from kerasoptim import _args
from kerasoptim._docs import document
from kerasoptim.adam import Adam


@keras.saving.register_keras_serializable(package="kerasoptim")
class AdamW(Adam):
    """Optimizer that implements the AdamW algorithm.

    AdamW optimization is a stochastic gradient descent method that is based on
    adaptive estimation of first-order and second-order moments with an added
    method to decay weights per the techniques discussed in the paper,
    'Decoupled Weight Decay Regularization' by Loshchilov, Hutter et al., 2019:
    before each Adam step, every variable not excluded with
    `exclude_from_weight_decay()` shrinks by `learning_rate * weight_decay`
    times its value.
    """

    def __init__(
        self,
        learning_rate=_args.DEFAULT_LEARNING_RATE,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        _args.weight_decay_required(weight_decay)
        super().__init__(**_args.passed(locals()))


document(AdamW, "AdamW")
