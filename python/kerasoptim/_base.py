"""`AdamFamily`: what Adam, AdamW, Adamax and LazyAdam share.

The base class checks every argument at construction (see `_args`), resolves
hyperparameters that may be callables or tensors, sums repeated rows of
sparse gradients before the update math sees them, and serialises its config.
Clipping, weight decay, EMA, loss scaling and gradient accumulation are
Keras' own machinery from `keras.optimizers.Optimizer`; the subclasses write
`build()` and `update_step()`.
"""

import keras
from keras import ops
from keras.saving import deserialize_keras_object, serialize_keras_object

from kerasoptim import _args, _fused, _sparse


class AdamFamily(keras.optimizers.Optimizer):
    """Base class of the kerasoptim optimizers (not used directly)."""

    # Extra keyword arguments: Keras' deprecated `decay`, and `fused`.
    _extra_kwargs = ("decay", "fused")

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, *,
                 weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                 ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                 gradient_accumulation_steps, name, **kwargs):
        _args.no_unknown_kwargs(kwargs, self._extra_kwargs,
                                type(self).__name__)
        number = _args.number
        positive = dict(low=0, low_open=True, optional=True)
        _args.at_most_one_clip(clipnorm, clipvalue, global_clipnorm)
        fused = kwargs.pop("fused", None)
        if fused is not None:
            fused = _args.boolean("fused", fused)
        betas = _args.beta("beta_1", beta_1), _args.beta("beta_2", beta_2)
        epsilon = number("epsilon", epsilon, low=0)
        super().__init__(
            learning_rate=_args.learning_rate(learning_rate),
            weight_decay=number("weight_decay", weight_decay, low=0,
                                optional=True),
            clipnorm=number("clipnorm", clipnorm, **positive),
            clipvalue=number("clipvalue", clipvalue, **positive),
            global_clipnorm=number("global_clipnorm", global_clipnorm,
                                   **positive),
            use_ema=_args.boolean("use_ema", use_ema),
            ema_momentum=number("ema_momentum", ema_momentum, low=0, high=1),
            ema_overwrite_frequency=_args.whole_number(
                "ema_overwrite_frequency", ema_overwrite_frequency, minimum=1
            ),
            loss_scale_factor=number("loss_scale_factor", loss_scale_factor,
                                     **positive),
            gradient_accumulation_steps=_args.whole_number(
                "gradient_accumulation_steps", gradient_accumulation_steps,
                minimum=2
            ),
            name=_args.name(name),
            **kwargs,
        )
        self.beta_1, self.beta_2 = betas
        self.epsilon = epsilon
        self.fused = fused
        self._pending_decay = _PendingDecay()
        # The fast path this optimizer may take; None: plain path only.
        self._fused_kind = None if fused is False else _fused.kind(self)

    # -- hyperparameters -------------------------------------------------
    @staticmethod
    def _hyper(value, dtype):
        """A hyperparameter (number, tensor or callable) as a `dtype` tensor."""
        if callable(value):
            value = value()
        return ops.cast(value, dtype)

    @classmethod
    def _decay(cls, beta, dtype):
        """`(beta, 1 - beta)` as `dtype` tensors.

        For a Python number `1 - beta` is formed in double precision (0.001
        for 0.999, as in the paper and in Keras), not as `1 - float32(beta)`.
        """
        if callable(beta):
            beta = beta()
        one_minus = 1 - beta if isinstance(beta, float) else 1 - ops.cast(
            beta, dtype)
        return ops.cast(beta, dtype), ops.cast(one_minus, dtype)

    def _step_terms(self, variable, learning_rate):
        """`(lr, step, (beta_1, 1 - beta_1), (beta_2, 1 - beta_2))` in the
        variable's dtype."""
        dtype = variable.dtype
        return (
            ops.cast(learning_rate, dtype),
            ops.cast(self.iterations + 1, dtype),
            self._decay(self.beta_1, dtype),
            self._decay(self.beta_2, dtype),
        )

    def _slot(self, slots, variable):
        return slots[self._get_variable_index(variable)]

    # -- weight decay ----------------------------------------------------
    def _apply_weight_decay(self, variables):
        """Decoupled decay `w -= w * weight_decay * lr` on every backend.

        Where a fast path may run, the decay is handed to the next step,
        which does it in the same pass over memory as the update (or first,
        if that step takes the plain path). Otherwise it runs now. Keras'
        torch backend multiplies by `1 - weight_decay * lr` rounded to
        float32 instead, which biases small decays (1 - 4e-6 is not
        representable), so torch always uses ours.
        """
        if self.weight_decay is None:
            return
        decayed = [v for v in variables if self._use_weight_decay(v)]
        if self._fused_kind is not None and _fused.FOLDS_DECAY:
            self._pending_decay.variables = decayed
        else:
            self._decay_now(decayed)

    def _decay_now(self, variables):
        if variables and not _fused.decay(self, variables):
            super()._apply_weight_decay(variables)

    # -- fast paths ------------------------------------------------------
    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """All variables in one fused step where a fast path can take it."""
        decayed = self._pending_decay.variables
        self._pending_decay.variables = ()
        if _fused.step(self, grads, trainable_variables, learning_rate,
                       decayed):
            return
        self._decay_now(decayed)
        super()._backend_update_step(grads, trainable_variables,
                                     learning_rate)

    # -- sparse gradients ------------------------------------------------
    def apply(self, grads, trainable_variables=None):
        """Apply gradients; sparse ones first have repeated rows summed."""
        grads = [self._prepare_gradient(g) for g in grads]
        if not _fused.apply(self, grads, trainable_variables):
            super().apply(grads, trainable_variables)

    def _prepare_gradient(self, gradient):
        """Dense optimizers take the dense gradient, duplicates summed."""
        return _sparse.to_dense(gradient)

    # -- config ----------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            beta_1=_hyper_config(self.beta_1),
            beta_2=_hyper_config(self.beta_2),
            epsilon=self.epsilon,
        )
        if self.fused is not None:
            config["fused"] = self.fused
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("beta_1", "beta_2"):
            if isinstance(config.get(key), dict):
                config[key] = deserialize_keras_object(
                    config[key], custom_objects=custom_objects
                )
        return super().from_config(config, custom_objects=custom_objects)


class _PendingDecay:
    """Variables whose weight decay the next update step does (a plain
    holder, so Keras does not track them as optimizer variables)."""

    variables = ()


def _hyper_config(value):
    """A beta as a config entry: numbers as floats, callables serialised."""
    if callable(value):
        return serialize_keras_object(value)
    return float(ops.convert_to_numpy(value))
