"""`AdamFamily`: what Adam, AdamW, Adamax and LazyAdam share.

The base class checks every argument at construction (see `_args`), resolves
hyperparameters that may be callables or tensors, sums repeated rows of
sparse gradients before the update math sees them, and serialises its config.
Clipping, weight decay, EMA, loss scaling and gradient accumulation are
Keras' own machinery from `keras.optimizers.Optimizer`; the subclasses write
`build()` and `update_step()`.
"""

import collections
import inspect
import operator
import types

import keras
import ml_dtypes
import numpy as np
from keras import ops
from keras.saving import deserialize_keras_object, serialize_keras_object

from kerasoptim import _args, _compat, _fast, _rows
from kerasoptim._tf2 import TF2API, learning_rate_and_decay


class AdamFamily(TF2API, keras.optimizers.Optimizer):
    """Base class of the kerasoptim optimizers (not used directly)."""

    # Public as `kerasoptim.AdamFamily`, the class R's print() methods are
    # registered on (reticulate names classes by module).
    __module__ = "kerasoptim"
    # Extra keyword arguments: TF2's `decay` and `lr` (see `_tf2`),
    # `fused` and `moment_dtype`.
    _extra_kwargs = ("decay", "fused", "lr", "moment_dtype")
    # The `_fast` kernel that computes exactly this class's `update_step`
    # (None: no kernel does); a subclass overriding `update_step` has none.
    _kernel = None

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, *,
                 weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                 ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                 gradient_accumulation_steps, name, **kwargs):
        _args.no_unknown_kwargs(kwargs, self._extra_kwargs,
                                type(self).__name__)
        learning_rate, decay = learning_rate_and_decay(learning_rate, kwargs)
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
        moment_dtype = checked.pop("moment_dtype", None)
        if fused and self._kernel_missing():
            _args.fail("fused", fused, "`None` or `False` here: "
                       f"{self._kernel_missing()}")
        beta_1, beta_2 = checked.pop("beta_1"), checked.pop("beta_2")
        epsilon = checked.pop("epsilon")
        learning_rate = checked.pop("learning_rate")
        super().__init__(
            learning_rate=_args.learning_rate_for_keras(learning_rate),
            **checked)
        self.decay = decay
        if isinstance(learning_rate, keras.Variable):
            _compat.adopt_learning_rate(self, learning_rate)
        self.beta_1, self.beta_2 = beta_1, beta_2
        for beta in (beta_1, beta_2):
            if isinstance(beta, keras.Variable):
                _compat.untrack(self, beta)  # read at each step, not saved
        self.epsilon = epsilon
        self.fused = fused
        self.moment_dtype = moment_dtype
        # What this optimizer's kernel groups have run (see `_fast.Ledger`).
        self._ledger = _fast.Ledger()

    # -- hyperparameters, read at each step ------------------------------
    def _terms(self, learning_rate):
        """This step's terms as read now, before any cast: `learning_rate`
        (as Keras passes it), `iterations` (the step count before this
        step), each beta (a callable called now) with `1 - beta` (formed
        here in double precision for a Python number, 0.001 for 0.999 as
        in the paper and in Keras, not as `1 - float32(beta)`; None
        otherwise: `_cast_terms` forms it after the cast) and `epsilon`.
        The kernels' programs take them as inputs and cast them as the
        plain path does (`_cast_terms`)."""
        terms = dict(learning_rate=learning_rate, iterations=self.iterations,
                     epsilon=self.epsilon)
        for name, beta in (("beta_1", self.beta_1), ("beta_2", self.beta_2)):
            if callable(beta) and not isinstance(beta, keras.Variable):
                beta = beta()
            terms[name] = beta
            terms["one_minus_" + name] = 1 - beta if isinstance(
                beta, float) else None
        return terms

    def _decay_terms(self):
        """The decay's terms for `_cast_terms`, read as Keras' decay reads
        them: `weight_decay` and `decay_learning_rate`."""
        return dict(weight_decay=self.weight_decay,
                    decay_learning_rate=self.learning_rate)

    @staticmethod
    def _cast_terms(dtype, learning_rate, iterations, beta_1,
                    one_minus_beta_1, beta_2, one_minus_beta_2, epsilon,
                    weight_decay=None, decay_learning_rate=None):
        """`_terms` as `dtype` tensors, with the plain path's operations:
        `((lr, step, (beta_1, 1 - beta_1), (beta_2, 1 - beta_2)), epsilon,
        decay)`, `decay` the kernels' decay scalars (`learning_rate`,
        `weight_decay`; none without `weight_decay`)."""
        def pair(beta, one_minus):
            beta = ops.cast(beta, dtype)
            return beta, (1 - beta if one_minus is None
                          else ops.cast(one_minus, dtype))

        decay = {} if weight_decay is None else dict(
            learning_rate=ops.cast(decay_learning_rate, dtype),
            weight_decay=ops.cast(weight_decay, dtype))
        return ((ops.cast(learning_rate, dtype),
                 ops.cast(iterations + 1, dtype),
                 pair(beta_1, one_minus_beta_1),
                 pair(beta_2, one_minus_beta_2)),
                ops.cast(epsilon, dtype), decay)

    def _step_terms(self, dtype, learning_rate):
        """`(lr, step, (beta_1, 1 - beta_1), (beta_2, 1 - beta_2))` as
        `dtype` tensors, for this step."""
        return self._cast_terms(dtype, **self._terms(learning_rate))[0]

    def _scalars(self, dtype, learning_rate):
        """This step's scalars as `dtype` tensors (the plain path's)."""
        return self._formula(dtype, **self._terms(learning_rate))

    @staticmethod
    def _formula(dtype, **terms):
        """The scalars a step's update takes, as `dtype` tensors, from its
        `_terms`: one pure function for the plain path and the kernels
        (TensorFlow's compute it inside their programs)."""
        raise NotImplementedError

    def _slot(self, slots, variable):
        return slots[self._get_variable_index(variable)]

    # -- moments in their own dtype (`moment_dtype`) ----------------------
    def _add_moments(self, var_list, names):
        """Keras' `add_optimizer_variables(var_list, names)`, the moments
        made in `moment_dtype` where it is set."""
        self._making_moments = True
        try:
            return self.add_optimizer_variables(var_list, names)
        finally:
            self._making_moments = False

    def add_variable(self, shape, initializer="zeros", dtype=None,
                     aggregation="none", layout=None, name=None):
        """Keras' optimizer variable; a moment (see `_add_moments`) in
        `moment_dtype` where it is set."""
        if self.moment_dtype is not None and getattr(
                self, "_making_moments", False):
            dtype = self.moment_dtype
        return super().add_variable(shape, initializer=initializer,
                                    dtype=dtype, aggregation=aggregation,
                                    layout=layout, name=name)

    def _math_dtype(self, variable):
        """The dtype `variable`'s step is computed in: its own, or with
        `moment_dtype` set, float32 at least (moments are widened to it,
        updated, and rounded to nearest even when stored)."""
        dtype = variable.dtype
        if self.moment_dtype is None or dtype == "float64":
            return dtype
        return "float32"

    def _store(self, variable, value):
        """Write `value` to `variable`, rounded to its dtype; return `value`
        unrounded (what the rest of the step computes with)."""
        self.assign(variable, ops.cast(value, variable.dtype))
        return value

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

    def _plan(self, grads, variables, candidates=None):
        """The one decision of a step: which of `variables` (the positions
        in `candidates`, all by default) take this class's kernel, and why
        each other one does not. Step-wide reasons (`fused=False`, no
        kernel, `tf.distribute`, a stateless or compiled step) send all to
        the plain path; otherwise each variable is judged alone (dtype,
        gradient shape, layout, device), and a variable listed twice takes
        the plain path at both positions, where Keras runs its two updates
        in turn on its one set of slots."""
        candidates = range(len(variables)) if candidates is None \
            else candidates
        why = ("`fused=False`" if self.fused is False else
               self._kernel_missing() or _fast.step_refusal())
        if why is not None:
            return Plan([], list(candidates), dict.fromkeys(candidates, why))
        tensors = _fast.tensors(variables)
        listed = collections.Counter(map(id, tensors))
        fast, plain, why = [], [], {}
        for i in candidates:
            reason = (f"variable {_fast.label(variables[i])} is listed more "
                      "than once" if listed[id(tensors[i])] > 1 else
                      _fast.variable_refusal(variables[i], grads[i]))
            if reason is None:
                fast.append(i)
            else:
                plain.append(i)
                why[i] = reason
        return Plan(fast, plain, why)

    def _require_fast(self, plan):
        """With `fused=True`, refuse a step whose `plan` leaves a variable
        to the plain path, naming it and why."""
        if self.fused and plan.plain:
            raise ValueError(
                f"{type(self).__name__}(fused=True) requires a fast path "
                "for every variable, but this step cannot take one: "
                f"{plan.why[plan.plain[0]]}. Use `fused=None` to let such "
                "variables take the plain path.")

    def _fast_update(self, grads, variables, positions, learning_rate,
                     kernel):
        """Run `kernel` ('adam', 'adamax', 'lazy_adam') over the variables
        at `positions`, one call per dtype and per whether they decay (the
        kernel decays those first, in the same pass), gradients cast to
        the variables' dtype."""
        built = self._is_built_list(variables)
        # Read once a step, cast by each dtype's kernel call (inside
        # TensorFlow's programs).
        terms = self._terms(learning_rate)
        terms_decaying = dict(terms, **self._decay_terms()) \
            if self.weight_decay is not None else None
        for (dtype, decays), chosen in self._kernel_groups(variables,
                                                           positions, built):
            gs = [_fast.KERNELS.cast(grads[i], dtype) for i in chosen]
            vs = [variables[i] for i in chosen]
            # In the built list a variable listed once has its position as
            # its slot index.
            slots = chosen if built else [self._get_variable_index(v)
                                          for v in vs]
            _fast.KERNELS.run(getattr(_fast.KERNELS, kernel),
                              _fast.tensors(vs), gs,
                              *self._kernel_inputs(slots),
                              ledger=self._ledger, formula=self._formula,
                              moment_dtype=self.moment_dtype,
                              **(terms_decaying if decays else terms))

    def _kernel_groups(self, variables, positions, built):
        """`((dtype, decays), positions)`: the `positions` of `variables`
        that one kernel call takes. Each position's key is computed once
        for the list the optimizer was built with (dtypes and
        `exclude_from_weight_decay()` are fixed once it is built): 400
        variables cost ~2 ms a step to key."""
        decaying = self.weight_decay is not None
        memo = getattr(self, "_built_keys", None)
        if built and memo is not None and memo.decaying == decaying:
            keys = memo.keys
        else:
            keys = {i: (_fast.dtype(variables[i]),
                        self._decays(variables[i]))
                    for i in (range(len(variables)) if built else positions)}
            if built:
                self._built_keys = types.SimpleNamespace(decaying=decaying,
                                                         keys=keys)
        groups = collections.defaultdict(list)
        for i in positions:
            groups[keys[i]].append(i)
        return groups.items()

    def _kernel_inputs(self, slots):
        """The slot lists the kernel takes for the variables whose slot
        indices are `slots`."""
        raise NotImplementedError

    @staticmethod
    def _slot_tensors(slots, *slot_lists):
        """For each slot list, the backend tensors at the indices
        `slots`."""
        return [_fast.tensors([slot_list[i] for i in slots]) if slot_list
                else [] for slot_list in slot_lists]

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """The step's one decision (`_plan`), then each variable once: the
        kernel's where it applies, weight decay in its pass; decay and
        Keras' per-variable `update_step()` loop for the others."""
        grads, variables = list(grads), list(trainable_variables)
        plan = self._plan(grads, variables)
        self._require_fast(plan)
        if plan.fast:
            self._fast_update(grads, variables, plan.fast, learning_rate,
                              self._kernel)
        self._plain_update([grads[i] for i in plan.plain],
                           [variables[i] for i in plan.plain], learning_rate)

    def _plain_update(self, grads, variables, learning_rate):
        """Decay, then Keras' per-variable `update_step()` loop."""
        if variables:
            self._plain_decay(variables)
            super()._backend_update_step(grads, variables, learning_rate)

    # -- weight decay ----------------------------------------------------
    def _decays(self, variable):
        """Whether `variable` takes weight decay this step."""
        return self.weight_decay is not None and self._use_weight_decay(
            variable)

    def _apply_weight_decay(self, variables):
        """Nothing here: Keras calls this just before
        `_backend_update_step`, which decays each variable on the path it
        takes (in the kernel's pass, or `_plain_decay`), as one decision."""

    def _plain_decay(self, variables):
        """Decoupled decay `w -= w * weight_decay * lr` with `keras.ops`,
        variable by variable (on TensorFlow, Keras' `tf.distribute`-aware
        decay)."""
        if self.weight_decay is None:
            return
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
            self._require_fast(self._plan([g for g, _ in taken],
                                          [v for _, v in taken]))
        super().apply(grads, trainable_variables)

    def _prepare_gradient(self, gradient):
        """Dense optimizers take the dense gradient, duplicates summed."""
        return _rows.to_dense(gradient)

    # -- state from elsewhere (Keras' optimizers, files) ------------------
    def set_weights(self, weights):
        """Keras' `set_weights()` (values converted to each variable's
        dtype), refused before anything is assigned where a finite value
        would not stay finite in its variable's dtype (float32 moments
        beyond float16's range)."""
        if self.built:
            _check_fit(self.variables, list(weights))
        super().set_weights(weights)

    def load_own_variables(self, store):
        """Keras' `load_own_variables()`, checked as `set_weights()` is."""
        if len(store.keys()) == len(self.variables):
            _check_fit(self.variables,
                       [store[str(i)] for i in range(len(self.variables))])
        super().load_own_variables(store)

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
        if self.moment_dtype is not None:
            config["moment_dtype"] = self.moment_dtype
        return config

    def __repr__(self):
        """`kerasoptim.AdamW(name='adamw', learning_rate=0.01)`: the class,
        the name and the settings that differ from the defaults."""
        defaults = inspect.signature(type(self).__init__).parameters
        try:
            config = self.get_config()
        except Exception:  # e.g. a lambda beta Keras cannot serialise
            config = {"name": self.name}
        shown = [f"{key}={_shown(value)}" for key, value in config.items()
                 if key == "name" or key not in defaults
                 or _shown(value) != _shown(defaults[key].default)]
        return f"kerasoptim.{type(self).__name__}({', '.join(shown)})"

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("beta_1", "beta_2"):
            if isinstance(config.get(key), dict):
                config[key] = deserialize_keras_object(
                    config[key], custom_objects=custom_objects
                )
        return super().from_config(config, custom_objects=custom_objects)


def _check_fit(variables, values):
    """Raise a `ValueError` naming the first variable whose value (of
    another dtype) holds a finite number its dtype cannot (it would become
    infinite)."""
    for variable, value in zip(variables, values):
        dtype = keras.backend.standardize_dtype(variable.dtype)
        given = getattr(value, "dtype", None)
        if dtype not in ("float16", "bfloat16") or given is None or \
                keras.backend.standardize_dtype(given) == dtype:
            continue
        value = np.asarray(value, dtype="float64")
        with np.errstate(over="ignore"):
            overflows = np.isfinite(value) & ~np.isfinite(
                value.astype(ml_dtypes.finfo(dtype).dtype))
        if overflows.any():
            raise ValueError(
                f"Optimizer variable {_fast.label(variable)} has dtype "
                f"{dtype}, whose largest value is "
                f"{float(ml_dtypes.finfo(dtype).max):g}; the value given for "
                f"it holds {float(np.abs(value[overflows]).max()):g}. "
                "Nothing was assigned. Keep these moments in a wider dtype "
                "(`moment_dtype=\"bfloat16\"` or `\"float32\"`).")


class Plan(collections.namedtuple("Plan", "fast plain why")):
    """A step's decision: the positions that take the kernel (`fast`), the
    others (`plain`), and why each of those cannot (`why`)."""


def _shown(value):
    """A config value in a repr: numbers to float32's 7 digits (as the
    config reads them back from variables), serialised objects by class."""
    if isinstance(value, float):
        return f"{value:.7g}"
    if isinstance(value, dict) and "class_name" in value:
        return f"<{value['class_name']}>"
    return repr(value)


def _hyper_config(value):
    """A beta as a config entry: numbers as floats, callables serialised."""
    if callable(value):
        return serialize_keras_object(value)
    return float(ops.convert_to_numpy(value))
