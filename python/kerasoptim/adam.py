"""Adam (Kingma & Ba, 2014), with the AMSGrad variant (Reddi et al., 2018)."""

import keras
from keras import ops

from kerasoptim import _args, _compat
from kerasoptim._base import AdamFamily
from kerasoptim._docs import document


# The update's three formulas, shared with LazyAdam (which applies them to the
# rows a gradient touches): same operations in the same order, so both give
# bit-identical results on the same rows.
def adam_alpha(lr, step, beta_1, beta_2):
    """The step size `lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`."""
    return lr * ops.sqrt(1 - ops.power(beta_2, step)) / (
        1 - ops.power(beta_1, step))


def adam_increments(gradient, m, v, one_minus_beta_1, one_minus_beta_2):
    """What the moments gain: `m += (g - m)(1 - beta_1)`,
    `v += (g^2 - v)(1 - beta_2)`."""
    return (ops.multiply(ops.subtract(gradient, m), one_minus_beta_1),
            ops.multiply(ops.subtract(ops.square(gradient), v),
                         one_minus_beta_2))


def adam_delta(m, v, alpha, epsilon):
    """What the weights lose: `alpha * m / (sqrt(v) + epsilon)`."""
    return ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), epsilon))


@keras.saving.register_keras_serializable(package="kerasoptim")
class Adam(AdamFamily):
    """Optimizer that implements the Adam algorithm.

    Adam optimization is a stochastic gradient descent method that is based on
    adaptive estimation of first-order and second-order moments (Kingma & Ba,
    2014). Written for kerasoptim with `keras.ops`: a drop-in replacement for
    `keras.optimizers.Adam` whose slot variables (`momentum`, `velocity`,
    `velocity_hat`) are compatible with Keras' own, that accepts callable
    betas, and that sums repeated rows of sparse gradients before squaring
    them.
    """

    def __init__(
        self,
        learning_rate=_args.DEFAULT_LEARNING_RATE,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        weight_decay=None,
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
        arguments = _args.passed(locals())
        amsgrad = _args.check("amsgrad", arguments.pop("amsgrad"))
        super().__init__(**arguments)
        self.amsgrad = amsgrad

    def build(self, var_list):
        """Create the slots `momentum`, `velocity` (and `velocity_hat`)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self._add_moments(
            var_list, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self._add_moments(var_list, "velocity_hat")

    _kernel = "adam"

    @staticmethod
    def _formula(dtype, **terms):
        """This step's `alpha`, `1 - beta_1`, `1 - beta_2` and `epsilon` (and
        the decay's scalars) as `dtype` tensors from its `_terms`: what the
        plain path and the kernels both use."""
        (lr, step, (beta_1, one_minus_beta_1), (beta_2, one_minus_beta_2)), \
            epsilon, decay = AdamFamily._cast_terms(dtype, **terms)
        return dict(alpha=adam_alpha(lr, step, beta_1, beta_2),
                    one_minus_beta_1=one_minus_beta_1,
                    one_minus_beta_2=one_minus_beta_2, epsilon=epsilon,
                    **decay)

    def update_step(self, gradient, variable, learning_rate):
        """One Adam step for one variable (epsilon-hat placement), in
        `_math_dtype(variable)`."""
        dtype = self._math_dtype(variable)
        s = self._scalars(dtype, learning_rate)
        gradient = ops.cast(gradient, dtype)
        m_slot = self._slot(self._momentums, variable)
        v_slot = self._slot(self._velocities, variable)
        m, v = ops.cast(m_slot, dtype), ops.cast(v_slot, dtype)
        m_increment, v_increment = adam_increments(
            gradient, m, v, s["one_minus_beta_1"], s["one_minus_beta_2"])
        m = self._store(m_slot, ops.add(m, m_increment))
        v = self._store(v_slot, ops.add(v, v_increment))
        if self.amsgrad:
            v_hat = self._slot(self._velocity_hats, variable)
            v = self._store(v_hat, _compat.maximum(ops.cast(v_hat, dtype), v))
        self._store(variable, ops.subtract(ops.cast(variable, dtype),
                                           adam_delta(m, v, s["alpha"],
                                                      s["epsilon"])))

    def _kernel_inputs(self, slots):
        hats = self._velocity_hats if self.amsgrad else []
        return self._slot_tensors(slots, self._momentums, self._velocities,
                                  hats)

    def get_config(self):
        config = super().get_config()
        config["amsgrad"] = self.amsgrad
        return config


document(Adam, "Adam")
