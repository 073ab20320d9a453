"""The tf.keras (TF2) and TF Addons optimizer API, next to Keras 3's own.

`TF2API` gives the kerasoptim classes what code written for TF2's
`tf.keras.optimizers.Adam` (OptimizerV2) and TF Addons' `LazyAdam` calls,
with the meaning their reference pages give it: `minimize()`, the `lr` and
`decay` arguments, `weights` and `get_weights()`, `get_slot_names()`,
`get_slot()`, `add_slot()`, `apply_gradients()`' `name` and
`experimental_aggregate_gradients`, and `get_gradients()` (an error).
Nothing Keras 3 defines changes. `minimize()` takes the gradients from each
backend's own machinery: a `tf.GradientTape`, torch autograd, or `jax.vjp`
of the loss run on the variables' values (`keras.StatelessScope`).
"""

import keras
from keras import ops

from kerasoptim import _args, _compat


def learning_rate_and_decay(learning_rate, kwargs):
    """Pop TF2's `lr` and `decay` from `kwargs`; return the learning rate
    (`lr` replaces the default one; both given is an error) and the checked
    decay (None for none)."""
    if "lr" in kwargs:
        lr = _args.check("lr", kwargs.pop("lr"))
        if not isinstance(learning_rate, _args.DefaultRate):
            raise _args.error(
                "Arguments `lr` and `learning_rate` are the same (`lr` is "
                "TF2's name for it): give one of them.",
                {"learning_rate": learning_rate, "lr": lr})
        learning_rate = lr
    return learning_rate, _args.check("decay", kwargs.pop("decay", None)) \
        or None


class TF2API:
    """The TF2 / TF Addons optimizer methods (a mixin of `AdamFamily`)."""

    # TF2's slot names for this class's slots (`get_slot()` takes both).
    _tf2_slot_names = {"m": "momentum", "v": "velocity",
                       "vhat": "velocity_hat"}

    # -- decay -------------------------------------------------------------
    def _get_current_learning_rate(self):
        """The learning rate (Keras' reading: schedule, variable, callable)
        with TF2's time-inverse `decay`: `lr / (1 + decay * iterations)`,
        iterations counted before this step (as learning-rate schedules
        count them)."""
        learning_rate = super()._get_current_learning_rate()
        decay = getattr(self, "decay", None)
        if not decay:
            return learning_rate
        learning_rate = ops.convert_to_tensor(learning_rate)
        step = ops.cast(_compat.step_count(self), learning_rate.dtype)
        return learning_rate / (1 + decay * step)

    def get_config(self):
        config = super().get_config()
        if getattr(self, "decay", None):
            config["decay"] = self.decay
        return config

    # -- minimize ------------------------------------------------------------
    def minimize(self, loss, var_list, grad_loss=None, name=None, tape=None):
        """Minimize `loss` by updating `var_list` (TF2's `minimize()`).

        `loss`: a callable that takes no arguments and returns the value
        to minimize (on TensorFlow also a tensor computed under `tape`, on
        PyTorch a tensor with its autograd graph). `var_list`: a list of
        variables, or a callable returning one (called after the loss, as
        TF2 does, except on JAX, where it is called first). `grad_loss`:
        the gradient with respect to `loss`, if not ones. `tape`: a
        `tf.GradientTape` (TensorFlow only). Returns the `iterations`
        variable, as `apply_gradients()`.
        """
        grads, variables = _GRADIENTS[_compat.BACKEND](
            loss, var_list, lambda out: self._seed(out, grad_loss), tape)
        return self.apply_gradients(list(zip(grads, variables)), name=name)

    def _seed(self, loss, grad_loss):
        """The gradient that backpropagation starts from: `grad_loss` (or
        ones), times `loss_scale_factor` (as `scale_loss()` scales the loss
        in `fit()`; `apply()` unscales the gradients); None for plain
        ones."""
        if grad_loss is None and self.loss_scale_factor is None:
            return None
        seed = ops.ones_like(loss) if grad_loss is None else ops.cast(
            grad_loss, loss.dtype)
        return self.scale_loss(seed)

    def get_gradients(self, loss, params):
        """TF1 graph mode only: an error naming what to use instead."""
        raise NotImplementedError(
            "`get_gradients()` works only in TF1 graph mode, which Keras 3 "
            "does not run. Use `optimizer.minimize(loss, var_list)`, or "
            "compute the gradients yourself (`tf.GradientTape`'s "
            "`tape.gradient(loss, params)`, `torch.autograd.grad`, "
            "`jax.grad`) and pass them to "
            "`optimizer.apply_gradients(zip(grads, params))`.")

    # -- apply_gradients -------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None,
                        experimental_aggregate_gradients=True):
        """Apply `(gradient, variable)` pairs; returns `iterations`.

        `name` named the operation in TF1 graphs: accepted, unused.
        `experimental_aggregate_gradients=False`: under `tf.distribute`,
        the gradients are not summed over replicas (the caller has done
        it); elsewhere it changes nothing.
        """
        if name is not None and not isinstance(name, str):
            _args.fail("name", name, "a string or `None`")
        if not isinstance(experimental_aggregate_gradients, bool):
            _args.fail("experimental_aggregate_gradients",
                       experimental_aggregate_gradients, "`True` or `False`")
        self._aggregate_gradients = experimental_aggregate_gradients
        try:
            return super().apply_gradients(grads_and_vars)
        finally:
            self._aggregate_gradients = True

    def _all_reduce_sum_gradients(self, grads_and_vars):
        """Keras' sum over `tf.distribute` replicas, skipped for
        `experimental_aggregate_gradients=False` (TensorFlow only)."""
        if not getattr(self, "_aggregate_gradients", True):
            return list(grads_and_vars)
        return super()._all_reduce_sum_gradients(grads_and_vars)

    # -- weights and slots -------------------------------------------------
    @property
    def weights(self):
        """The optimizer's variables, as TF2 ordered them: `iterations`
        first, then its state in the order it was created (the learning
        rate where it is a variable, then the slots); what
        `set_weights()` takes."""
        return self.variables

    def get_weights(self):
        """The values of `weights`, as NumPy arrays (TF2's
        `get_weights()`): `set_weights()` of this optimizer or of Keras'
        own takes them."""
        return [ops.convert_to_numpy(v) for v in self.variables]

    def _slots(self):
        """`{slot name: {variable key: slot}}`, in creation order (kept out
        of Keras' and TensorFlow's variable tracking)."""
        if "_slot_registry" not in self.__dict__:
            object.__setattr__(self, "_slot_registry", {})
        return self.__dict__["_slot_registry"]

    def add_variable_from_reference(self, reference_variable, name=None,
                                    initializer="zeros"):
        """Keras' slot creation, remembered for `get_slot()`."""
        slot = super().add_variable_from_reference(
            reference_variable, name=name, initializer=initializer)
        self._slots().setdefault(name or "var", {})[
            self._var_key(reference_variable)] = slot
        return slot

    def get_slot_names(self):
        """The names of the slots this optimizer has created (TF2's
        `get_slot_names()`; Keras 3's names: `momentum`, `velocity`, ...)."""
        return list(self._slots())

    def get_slot(self, var, slot_name):
        """The slot `slot_name` of `var` (TF2's `get_slot()`); TF2's names
        (`m`, `v`, `vhat`) are accepted for the same slots."""
        slots = self._slots()
        name = slot_name if slot_name in slots else \
            self._tf2_slot_names.get(slot_name, slot_name)
        if name not in slots:
            tf2 = ", ".join(f"`{k}`" for k in self._tf2_slot_names)
            raise KeyError(
                f"{type(self).__name__} has no slot `{slot_name}`. Its "
                f"slots: {self.get_slot_names()} (TF2's names {tf2} are "
                "accepted too; slots are made when the optimizer is built).")
        try:
            return slots[name][self._var_key(var)]
        except KeyError:
            raise KeyError(
                f"No slot `{slot_name}` for variable "
                f"{getattr(var, 'name', var)!r}: the optimizer was not built "
                "with it.") from None

    def add_slot(self, var, slot_name, initializer="zeros", shape=None):
        """A slot `slot_name` for `var`, made once (TF2's `add_slot()`, for
        subclasses' `build()`): `initializer` a Keras initializer, its
        name, or a value; `shape` defaults to `var`'s."""
        made = self._slots().get(slot_name, {}).get(self._var_key(var))
        if made is not None:
            return made
        if not isinstance(initializer, str) and not callable(initializer):
            value = initializer
            initializer = lambda shape, dtype=None: ops.cast(  # noqa: E731
                ops.broadcast_to(value, shape), dtype)
        if shape is None or tuple(shape) == tuple(var.shape):
            return self.add_variable_from_reference(
                var, name=slot_name, initializer=initializer)
        slot = self.add_variable(shape=tuple(shape), initializer=initializer,
                                 dtype=var.dtype, name=slot_name)
        self._slots().setdefault(slot_name, {})[self._var_key(var)] = slot
        return slot


# -- gradients, one function a backend ---------------------------------------
# Each takes `(loss, var_list, seed, tape)` (`seed(loss_value)`: the
# gradient to start from, None for ones) and returns `(grads, variables)`.

def _variables(var_list):
    return list(var_list() if callable(var_list) else var_list)


def _no_tape(tape):
    if tape is not None:
        raise ValueError(
            "`tape` is a `tf.GradientTape`: it is used on the TensorFlow "
            f"backend only (this is {_compat.BACKEND}); pass `loss` as a "
            "callable instead.")


def _tensorflow_gradients(loss, var_list, seed, tape):
    import tensorflow as tf

    if tape is None:
        if not callable(loss):
            raise ValueError("`tape` is required when a `Tensor` loss is "
                             "passed (or pass `loss` as a callable).")
        tape = tf.GradientTape()
    if callable(loss):
        with tape:
            if not callable(var_list):
                tape.watch([v.value if isinstance(v, keras.Variable) else v
                            for v in var_list])
            loss = loss()
            variables = _variables(var_list)
    else:
        variables = _variables(var_list)
    loss = tf.convert_to_tensor(loss)
    grads = tape.gradient(loss, variables, output_gradients=seed(loss))
    return grads, variables


def _torch_gradients(loss, var_list, seed, tape):
    import torch

    _no_tape(tape)
    with torch.enable_grad():
        if callable(loss):
            loss = loss()
        variables = _variables(var_list)
    loss = ops.convert_to_tensor(loss)
    tensors = [v.value if isinstance(v, keras.Variable) else v
               for v in variables]
    wanted = [i for i, t in enumerate(tensors) if t.requires_grad]
    start = seed(loss)
    found = torch.autograd.grad(
        loss, [tensors[i] for i in wanted],
        grad_outputs=torch.ones_like(loss) if start is None else start,
        allow_unused=True)
    grads = [None] * len(tensors)
    for i, g in zip(wanted, found):
        grads[i] = g
    return grads, variables


def _jax_gradients(loss, var_list, seed, tape):
    import jax

    _no_tape(tape)
    if not callable(loss):
        raise ValueError(
            "On JAX, `loss` must be a callable that takes no arguments (a "
            "tensor keeps no record of how it was computed).")
    variables = _variables(var_list)

    def run(values):
        with keras.StatelessScope(
                state_mapping=list(zip(variables, values))):
            return ops.convert_to_tensor(loss())

    out, backward = jax.vjp(run, [v.value for v in variables])
    start = seed(out)
    (grads,) = backward(ops.ones_like(out) if start is None else start)
    return grads, variables


_GRADIENTS = {"tensorflow": _tensorflow_gradients, "torch": _torch_gradients,
              "jax": _jax_gradients}
