"""LazyAdam: Adam that updates only the rows a gradient uses.

TensorFlow Addons' LazyAdam for Keras 3, on every backend. Which variables
are updated by rows is decided by structure (a sparse gradient, or a
variable that `is_lazy`, by default an embedding table), never by values;
in those, a row takes part if its gradient slice is not entirely zero. The
others take Adam's step. The per-backend tensor work (gathers, scatters,
row masks) lives in `_rows`.
"""

import functools

import keras
from keras import ops

from kerasoptim import _compat, _fast, _rows
from kerasoptim._docs import document
from kerasoptim.adam import Adam, adam_alpha, adam_delta, adam_increments


@keras.saving.register_keras_serializable(package="kerasoptim")
class LazyAdam(Adam):
    """Optimizer that implements the lazy Adam algorithm.

    Lazy Adam updates only the rows of a variable that take part in a step, so
    a step on a large embedding table costs what the batch touches. Which
    variables are updated by rows depends on structure, never on values, the
    same on every backend and in every mode: a variable whose gradient is
    sparse (`tf.IndexedSlices`, a JAX `BCOO`, a PyTorch sparse COO tensor),
    and a variable that `is_lazy()` (asked once, at `build()`: by default one
    whose name is in `lazy_variable_names`, `("embeddings",)`, the name Keras'
    `Embedding` gives its table, whose gradient JAX and PyTorch hand over
    dense). Every other variable takes exactly Adam's step, as in TensorFlow
    Addons for dense gradients: a Dense kernel whose input feature is 0 in a
    batch still moves. Override `is_lazy()` (or set `lazy_variable_names`
    before the first step) to choose other variables.

    In a variable updated by rows, a row (a slice along the first axis; an
    element of a 1-D variable) takes part if its gradient slice, repeated
    indices summed, is not entirely zero (a NaN takes part), for sparse and
    dense gradients alike: a masked padding row, listed with zero values in
    a `tf.IndexedSlices` and zero in a dense gradient, sits out on every
    backend (Addons let a listed row take part whatever its values). Rows
    that take part get `m <- beta_1 * m + (1 - beta_1) * g`,
    `v <- beta_2 * v + (1 - beta_2) * g^2` and `w <- w - lr_t * m /
    (sqrt(v) + epsilon)` with `lr_t = learning_rate * sqrt(1 - beta_2^t) /
    (1 - beta_1^t)`; the other rows keep their `m`, `v` and weights. With
    `amsgrad=True`, `v_hat` is kept per row, lazily; `weight_decay` decays
    only the rows that take part (before their Adam step).

    On TensorFlow, the `tf.IndexedSlices` gradient of an embedding lookup is
    applied with gathers and scatters on its rows only, also under XLA. Dense
    gradients of lazy variables: under JAX's `jit` and in a traced
    TensorFlow step a masked update over the variable; executing eagerly
    (PyTorch, TensorFlow) their rows are found and only those updated. The
    variables Adam updates take Adam's fast path.

    Clipping (`clipnorm`, `clipvalue`, `global_clipnorm`) and loss scaling act
    on the values of a sparse gradient, without a dense pass. Gradient
    accumulation adds gradients into dense accumulators: it forces a dense
    pass (only lazy variables are then updated by rows). EMA (like variable
    constraints) updates every weight each step, as in Keras: a dense pass
    over the variables. The optimizer variables are Adam's (`momentum`,
    `velocity`, `velocity_hat`).
    """

    # -- gradients on their way in ----------------------------------------
    def _prepare_gradient(self, gradient):
        """Keep sparse gradients sparse; sum repeated rows here when clipping
        will read them (otherwise `update_step` does).

        Gradient accumulation adds gradients to dense accumulators, so with
        it a sparse gradient is made dense here (a dense pass); so is a JAX
        `BCOO` with batch dimensions.
        """
        if not _rows.is_sparse(gradient):
            return gradient
        if self.gradient_accumulation_steps or not _rows.has_rows(gradient):
            return _rows.to_dense(gradient)
        if self.clipnorm or self.clipvalue or self.global_clipnorm:
            return _rows.coalesce(gradient)
        return _rows.divisible(gradient)

    def _clip_gradients(self, grads):
        """Keras' clipping, applied to the values of sparse gradients.

        Their repeated rows are summed (see `_prepare_gradient`), so the
        values have the norm of the dense gradient: no dense pass.
        """
        sparse = [_rows.is_sparse(g) for g in grads]
        if not any(sparse):
            return super()._clip_gradients(grads)
        clipped = super()._clip_gradients(
            [_rows.values(g) if s else g for g, s in zip(grads, sparse)])
        return [_rows.with_values(g, c) if s else c
                for g, c, s in zip(grads, clipped, sparse)]

    # -- which variables are lazy ------------------------------------------
    # The names (`variable.name`) of the variables whose dense gradients are
    # applied lazily; Keras' `Embedding` names its table `embeddings`.
    lazy_variable_names = ("embeddings",)

    def is_lazy(self, variable):
        """Whether `variable` takes lazy updates whatever its gradient's
        kind (asked once per variable, at `build()`): by default, a
        variable named in `lazy_variable_names` (a name or a sequence of
        names: R's `"table"` arrives as one string)."""
        names = self.lazy_variable_names
        return variable.name in ((names,) if isinstance(names, str)
                                 else tuple(names))

    def build(self, var_list):
        """Adam's slots, and which variables are lazy (`is_lazy`)."""
        if self.built:
            return
        super().build(var_list)
        self._lazy_indices = frozenset(
            self._get_variable_index(v) for v in var_list if self.is_lazy(v))

    def _takes_rows(self, gradient, variable):
        """Whether `variable` is updated by rows this step: its gradient is
        sparse, or it is lazy (`is_lazy`). The others take Adam's step."""
        if _rows.is_sparse(gradient):
            return True
        if not self.built:  # `apply()`'s check before the first step
            return self.is_lazy(variable)
        return self._get_variable_index(variable) in self._lazy_indices

    _kernel = None  # rows are updated lazily: no whole-variable kernel

    def _kernel_missing(self):
        """Why LazyAdam has no fast path on this backend, or None: its
        kernels are Adam's (for the variables Adam updates) and, in a
        traced TensorFlow step, the masked `lazy_adam`."""
        if type(self).update_step is not LazyAdam.update_step:
            return f"{type(self).__name__} has no fused kernel"
        return _fast.unavailable()

    def _plan(self, grads, variables, candidates=None):
        """Adam's plan for the variables Adam updates; those updated by
        rows take the plain path, but for a dense gradient in a traced
        TensorFlow step (the masked `lazy_adam` kernel)."""
        candidates = range(len(variables)) if candidates is None \
            else candidates
        rows = [i for i in candidates
                if self._takes_rows(grads[i], variables[i])]
        masked = [i for i in rows if self._masked_kernel()
                  and not _rows.is_sparse(grads[i])]
        alone = sorted(set(rows) - set(masked))
        plan = super()._plan(grads, variables, sorted(
            set(candidates) - set(alone)))
        plan.plain.extend(alone)
        plan.why.update((i, f"LazyAdam updates the rows of "
                            f"{_fast.label(variables[i])} that take part, "
                            "alone") for i in alone)
        return plan

    @staticmethod
    def _masked_kernel():
        """Whether dense gradients of lazy variables take the masked
        `lazy_adam` kernel: in a traced TensorFlow step."""
        return not _rows.finds_rows() and hasattr(_fast.KERNELS, "lazy_adam")

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """The step's one decision (`_plan`), then each variable once:
        Adam's kernel, the masked `lazy_adam` kernel, or `update_step`."""
        grads, variables = list(grads), list(trainable_variables)
        plan = self._plan(grads, variables)
        self._require_fast(plan)
        masked = [i for i in plan.fast
                  if self._takes_rows(grads[i], variables[i])]
        for kernel, positions in (("adam", sorted(set(plan.fast) -
                                                  set(masked))),
                                  ("lazy_adam", masked)):
            if positions:
                self._fast_update(grads, variables, positions,
                                  learning_rate, kernel)
        self._plain_update([grads[i] for i in plan.plain],
                           [variables[i] for i in plan.plain], learning_rate)

    def _plain_decay(self, variables):
        """Nothing here: `update_step` decays each variable (for those
        updated by rows, only the rows that take part)."""

    # -- the update --------------------------------------------------------
    def update_step(self, gradient, variable, learning_rate):
        """One step for one variable: Adam's (decay first) unless it is
        updated by rows, where only the rows that take part change."""
        if not self._takes_rows(gradient, variable):
            if self._decays(variable):
                self.assign(variable, self._decayed(
                    variable, variable,
                    ops.cast(learning_rate, variable.dtype)))
            return super().update_step(gradient, variable, learning_rate)
        dtype = self._math_dtype(variable)
        terms = self._step_terms(dtype, learning_rate)
        if _rows.is_sparse(gradient):
            # A listed row whose (summed) slice is zero does not take part.
            rows, values = _rows.row_slices(gradient)
            values = ops.cast(values, dtype)
            return self._update_rows(variable, rows, values, terms,
                                     _rows.row_mask(values))
        gradient = ops.cast(gradient, dtype)
        if _rows.finds_rows() and len(gradient.shape) > 0:
            # Eager: find the rows, then touch only those.
            rows = _rows.nonzero_rows(gradient)
            if rows is not None:
                gradient = ops.take(gradient, rows, axis=0)
            return self._update_rows(variable, rows, gradient, terms)
        # Traced (XLA, jit): a masked update, static shapes.
        return self._update_masked(variable, gradient, terms)

    def _state(self, variable):
        """The variables a step updates: m, v, (v_hat,) and the weights."""
        state = [self._slot(self._momentums, variable),
                 self._slot(self._velocities, variable)]
        if self.amsgrad:
            state.append(self._slot(self._velocity_hats, variable))
        return state + [variable]

    def _update_rows(self, variable, rows, gradient, terms, mask=None):
        """Adam on the rows `rows` only (every row for `rows=None`), kept
        where `mask` is true (every row for `mask=None`)."""
        state = self._state(variable)
        dtype = terms[0].dtype
        old = [ops.cast(_rows.gather_rows(s, rows), dtype) for s in state]
        new = self._adam(gradient, old, variable, terms, None if mask is None
                         else functools.partial(ops.where, mask))
        for s, value in zip(state, new):
            _rows.scatter_rows(s, rows, ops.cast(value, s.dtype),
                               self.assign)

    def _update_masked(self, variable, gradient, terms):
        """Adam everywhere, kept only on the rows that take part."""
        state = self._state(variable)
        mask = _rows.row_mask(gradient)

        def keep(new, old):
            return ops.where(mask, new, old)

        new = self._adam(gradient, [ops.cast(_rows.gather_rows(s, None),
                                             terms[0].dtype)
                                    for s in state], variable, terms, keep)
        for s, value in zip(state, new):
            self._store(s, value)

    def _adam(self, gradient, state, variable, terms, keep=None):
        """New `state` (m, v, (v_hat,) w) of rows that take part: decoupled
        weight decay first (as Keras orders it), then Adam's step.

        `keep(new, old)` chooses, row by row, which value each slot keeps;
        the step reads the kept moments, so that under `jit` every new value
        is written in place of the old one (no full-size temporaries).
        """
        keep = keep or (lambda new, old: new)
        lr, step, (beta_1, one_minus_beta_1), (beta_2, one_minus_beta_2) = (
            terms)
        m_old, v_old, *v_hat, w_old = state
        m_increment, v_increment = adam_increments(
            gradient, m_old, v_old, one_minus_beta_1, one_minus_beta_2)
        m = keep(ops.add(m_old, m_increment), m_old)
        v = keep(ops.add(v_old, v_increment), v_old)
        denominator = v
        if v_hat:
            v_hat = [keep(_compat.maximum(v_hat[0], v), v_hat[0])]
            denominator = v_hat[0]
        w = ops.subtract(self._decayed(w_old, variable, lr), adam_delta(
            m, denominator, adam_alpha(lr, step, beta_1, beta_2),
            ops.cast(self.epsilon, lr.dtype)))
        return [m, v, *v_hat, keep(w, w_old)]

    def _decayed(self, weights, variable, lr):
        """`weights` (of `variable`) after decoupled weight decay,
        `w - w * weight_decay * lr`; as they are where it does not decay."""
        if not self._decays(variable):
            return weights
        return weights - weights * ops.cast(self.weight_decay,
                                            lr.dtype) * lr


document(LazyAdam, "LazyAdam")
