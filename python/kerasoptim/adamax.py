"""Adamax: Adam with the infinity norm (Kingma & Ba, 2014, section 7.1)."""

import keras
from keras import ops

from kerasoptim import _args, _compat
from kerasoptim._base import AdamFamily
from kerasoptim._docs import document


@keras.saving.register_keras_serializable(package="kerasoptim")
class Adamax(AdamFamily):
    """Optimizer that implements the Adamax algorithm.

    Adamax, a variant of Adam based on the infinity norm, is a first-order
    gradient-based optimization method (Kingma & Ba, 2014, section 7.1). Due to
    its capability of adjusting the learning rate based on data
    characteristics, it is suited to learn time-variant process, e.g., speech
    data with dynamically changed noise conditions. Epsilon is added to the
    infinity norm as Keras places it.
    """

    def __init__(
        self,
        learning_rate=_args.DEFAULT_LEARNING_RATE,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
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
        super().__init__(**_args.passed(locals()))

    def build(self, var_list):
        """Create the slots `momentum` (m) and `norm` (u)."""
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self._add_moments(var_list, ["momentum", "norm"])

    _kernel = "adamax"
    _tf2_slot_names = {"m": "momentum", "v": "norm"}  # TF2's Adamax names

    @staticmethod
    def _formula(dtype, **terms):
        """This step's scalars (and the decay's) as `dtype` tensors from its
        `_terms`: what the plain path and the kernels both use."""
        (lr, step, (beta_1, one_minus_beta_1), (beta_2, _)), epsilon, \
            decay = AdamFamily._cast_terms(dtype, **terms)
        # The kernel's decay takes `learning_rate` too (the same value).
        scalars = dict(learning_rate=lr, one_minus_beta_1=one_minus_beta_1,
                       beta_2=beta_2,
                       bias_correction_1=1 - ops.power(beta_1, step),
                       epsilon=epsilon)
        scalars.update(decay)
        return scalars

    def update_step(self, gradient, variable, learning_rate):
        """One Adamax step: `u = max(beta_2 * u, |g|)`,
        `w -= lr * m / ((1 - beta_1^t) * (u + epsilon))`, in
        `_math_dtype(variable)`."""
        dtype = self._math_dtype(variable)
        s = self._scalars(dtype, learning_rate)
        gradient = ops.cast(gradient, dtype)
        m_slot = self._slot(self._m, variable)
        u_slot = self._slot(self._u, variable)
        m = ops.cast(m_slot, dtype)
        m = self._store(m_slot, ops.add(m, ops.multiply(
            ops.subtract(gradient, m), s["one_minus_beta_1"])))
        u = self._store(u_slot, _compat.maximum(
            ops.multiply(s["beta_2"], ops.cast(u_slot, dtype)),
            ops.abs(gradient)))
        delta = ops.divide(
            ops.multiply(s["learning_rate"], m),
            ops.multiply(s["bias_correction_1"], ops.add(u, s["epsilon"])))
        self._store(variable, ops.subtract(ops.cast(variable, dtype), delta))

    def _kernel_inputs(self, slots):
        return self._slot_tensors(slots, self._m, self._u)


document(Adamax, "Adamax")
