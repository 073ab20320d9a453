"""`AdamFamily`: what Adam, AdamW, Adamax and LazyAdam share.

The base class checks every argument at construction (see `_args`), resolves
hyperparameters that may be callables or tensors, sums repeated rows of
sparse gradients before the update math sees them, and serialises its config.
Clipping, weight decay, EMA, loss scaling and gradient accumulation are
Keras' own machinery from `keras.optimizers.Optimizer`; the subclasses write
`build()` and `update_step()`.
"""

import collections
import operator
import types

import keras
from keras import ops
from keras.saving import deserialize_keras_object, serialize_keras_object

from kerasoptim import _args, _compat, _fast, _rows


class AdamFamily(keras.optimizers.Optimizer):
    """Base class of the kerasoptim optimizers (not used directly)."""

    # Extra keyword arguments: Keras' deprecated `decay`, and `fused`.
    _extra_kwargs = ("decay", "fused")
    # The `_fast` kernel that computes exactly this class's `update_step`
    # (None: no kernel does); a subclass overriding `update_step` has none.
    _kernel = None

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, *,
                 weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                 ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                 gradient_accumulation_steps, name, **kwargs):
        _args.no_unknown_kwargs(kwargs, self._extra_kwargs,
                                type(self).__name__)
        decay = {"decay": kwargs.pop("decay")} if "decay" in kwargs else {}
        checked = _args.check_all(dict(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm,
            use_ema=use_ema, ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name, **kwargs))
        fused = checked.pop("fused", None)
        if fused and self._kernel_missing():
            _args.fail("fused", fused, "`None` or `False` here: "
                       f"{self._kernel_missing()}")
        beta_1, beta_2 = checked.pop("beta_1"), checked.pop("beta_2")
        epsilon = checked.pop("epsilon")
        learning_rate = checked.pop("learning_rate")
        super().__init__(
            learning_rate=_args.learning_rate_for_keras(learning_rate),
            **checked, **decay)
        if isinstance(learning_rate, keras.Variable):
            _compat.adopt_learning_rate(self, learning_rate)
        self.beta_1, self.beta_2 = beta_1, beta_2
        for beta in (beta_1, beta_2):
            if isinstance(beta, keras.Variable):
                _compat.untrack(self, beta)  # read at each step, not saved
        self.epsilon = epsilon
        self.fused = fused

    # -- hyperparameters, read at each step ------------------------------
    @staticmethod
    def _decay(beta, dtype):
        """`(beta, 1 - beta)` as `dtype` tensors, `beta` read now (a number,
        tensor, variable or callable).

        For a Python number `1 - beta` is formed in double precision (0.001
        for 0.999, as in the paper and in Keras), not as `1 - float32(beta)`.
        """
        if callable(beta) and not isinstance(beta, keras.Variable):
            beta = beta()
        one_minus = 1 - beta if isinstance(beta, float) else 1 - ops.cast(
            beta, dtype)
        return ops.cast(beta, dtype), ops.cast(one_minus, dtype)

    def _step_terms(self, dtype, learning_rate):
        """`(lr, step, (beta_1, 1 - beta_1), (beta_2, 1 - beta_2))` as
        `dtype` tensors, for this step."""
        return (
            ops.cast(learning_rate, dtype),
            ops.cast(self.iterations + 1, dtype),
            self._decay(self.beta_1, dtype),
            self._decay(self.beta_2, dtype),
        )

    def _slot(self, slots, variable):
        return slots[self._get_variable_index(variable)]

    def _is_built_list(self, variables):
        """Whether `variables` is, element for element, the list the
        optimizer was built with (what `fit()` passes every step)."""
        built = _compat.built_variables(self)
        return len(variables) == len(built) and all(
            map(operator.is_, variables, built))

    def _check_variables_are_known(self, variables):
        """Keras' check that it was built with `variables`, at no cost for
        the list it was built with (Keras looks each one up: ~2 ms a step
        for 400 variables)."""
        if not self._is_built_list(variables):
            super()._check_variables_are_known(variables)

    # -- fast paths ------------------------------------------------------
    def _kernel_missing(self):
        """Why this optimizer has no fast path on this backend, or None."""
        missing = _fast.unavailable()
        if missing:
            return missing
        owner = next(c for c in type(self).__mro__ if "_kernel" in vars(c))
        if owner._kernel is None or type(self).update_step is not \
                owner.update_step:
            return f"{type(self).__name__} has no fused kernel"
        return None

    def _refusal(self, variables, grads=None):
        """Why this step over `variables` (and `grads`) cannot take a fast
        path, or None."""
        if self.fused is False:
            return "`fused=False`"
        return self._kernel_missing() or _fast.refusal(variables, grads)

    def _require_fast(self, why):
        if self.fused:
            raise ValueError(
                f"{type(self).__name__}(fused=True) requires a fast path, "
                f"but this step cannot take one: {why}. Use `fused=None` "
                "to fall back to the plain path.")

    def _fast_update(self, grads, variables, learning_rate, kernel):
        """Run `kernel` ('adam', 'adamax') over `variables`, one call per
        dtype and per whether they decay (the kernel decays those first,
        in the same pass), gradients cast to the variables' dtype."""
        for (dtype, decays), indices in self._kernel_groups(variables):
            gs = [_fast.KERNELS.cast(grads[i], dtype) for i in indices]
            vs = [variables[i] for i in indices]
            lists, scalars = self._kernel_inputs(vs, dtype, learning_rate)
            if decays:
                scalars.update(self._decay_scalars(dtype))
            _fast.KERNELS.run(getattr(_fast.KERNELS, kernel),
                              _fast.tensors(vs), gs, *lists, **scalars)

    def _kernel_groups(self, variables):
        """`((dtype, decays), indices)`: the positions of `variables` that
        one kernel call takes. Computed once for the list the optimizer was
        built with (dtypes and `exclude_from_weight_decay()` are fixed once
        it is built): 400 variables cost ~2 ms a step to group."""
        decaying = self.weight_decay is not None
        built = self._is_built_list(variables)
        memo = getattr(self, "_built_groups", None)
        if built and memo is not None and memo.decaying == decaying:
            return memo.groups
        groups = collections.defaultdict(list)
        for i, variable in enumerate(variables):
            groups[_fast.dtype(variable), self._decays(variable)].append(i)
        groups = list(groups.items())
        if built:
            self._built_groups = types.SimpleNamespace(decaying=decaying,
                                                       groups=groups)
        return groups

    def _kernel_inputs(self, variables, dtype, learning_rate):
        """`(slot lists, scalars)` the kernel takes for these variables."""
        raise NotImplementedError

    def _slot_tensors(self, variables, *slot_lists):
        """For each slot list, the backend tensors of `variables`' slots
        (each variable's index looked up once)."""
        indices = (range(len(variables)) if self._is_built_list(variables)
                   else [self._get_variable_index(v) for v in variables])
        return [_fast.tensors([slots[i] for i in indices]) if slots else []
                for slots in slot_lists]

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """All variables through the backend's kernel where it applies,
        weight decay included; Keras' per-variable `update_step()` loop
        otherwise."""
        grads, variables = list(grads), list(trainable_variables)
        why = self._refusal(variables, grads)
        if why is None:
            return self._fast_update(grads, variables, learning_rate,
                                     self._kernel)
        self._require_fast(why)
        if self._kernel_decays(variables):
            # `_apply_weight_decay` left the decay to a kernel that a
            # gradient has now refused.
            self._plain_decay(variables)
        return super()._backend_update_step(grads, variables, learning_rate)

    # -- weight decay ----------------------------------------------------
    def _decays(self, variable):
        """Whether `variable` takes weight decay this step."""
        return self.weight_decay is not None and self._use_weight_decay(
            variable)

    def _decay_scalars(self, dtype):
        """The kernels' decay scalars, `learning_rate` and `weight_decay`,
        as `dtype` tensors."""
        return dict(learning_rate=ops.cast(self.learning_rate, dtype),
                    weight_decay=ops.cast(self.weight_decay, dtype))

    def _kernel_decays(self, variables):
        """Whether the update kernel decays `variables` (Keras calls
        `_apply_weight_decay` with the variables it then hands
        `_backend_update_step`)."""
        return (self.weight_decay is not None
                and self._refusal(variables) is None)

    def _apply_weight_decay(self, variables):
        """Decoupled decay `w -= w * weight_decay * lr` before the update,
        as Keras orders it: left to the update's kernel, which decays in
        the same pass, where it runs; `keras.ops`, the same on every
        backend, otherwise (`_plain_decay`)."""
        if self.weight_decay is None or self._kernel_decays(variables):
            return
        self._require_fast(self._refusal(variables))
        self._plain_decay(variables)

    def _plain_decay(self, variables):
        """The decay with `keras.ops`, variable by variable."""
        decayed = [v for v in variables if self._use_weight_decay(v)]
        if decayed and _compat.BACKEND == "tensorflow":  # tf.distribute
            return super()._apply_weight_decay(decayed)
        for v in decayed:
            lr = ops.cast(self.learning_rate, v.dtype)
            wd = ops.cast(self.weight_decay, v.dtype)
            v.assign(v - v * wd * lr)

    # -- sparse gradients ------------------------------------------------
    def apply(self, grads, trainable_variables=None):
        """Apply gradients; sparse ones first have repeated rows summed.
        With `fused=True`, a step no kernel can take is refused before
        anything changes."""
        grads = [self._prepare_gradient(g) for g in grads]
        if self.fused and trainable_variables is not None:
            taken = [(g, v) for g, v in zip(grads, trainable_variables)
                     if g is not None]
            why = self._refusal([v for _, v in taken], [g for g, _ in taken])
            if why is not None:
                self._require_fast(why)
        super().apply(grads, trainable_variables)

    def _prepare_gradient(self, gradient):
        """Dense optimizers take the dense gradient, duplicates summed."""
        return _rows.to_dense(gradient)

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


def _hyper_config(value):
    """A beta as a config entry: numbers as floats, callables serialised."""
    if callable(value):
        return serialize_keras_object(value)
    return float(ops.convert_to_numpy(value))
