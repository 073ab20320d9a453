"""LazyAdam: Adam that updates only the rows a gradient touches.

TensorFlow Addons' LazyAdam for Keras 3, on every backend. A row (a slice
along the first axis; an element of a 1-D variable) takes part in a step only
if it appears in the gradient: a sparse gradient lists its index, a dense
gradient has a slice that is not entirely zero. Rows that take part get
Adam's step (`kerasoptim.adam`'s formulas, in the same order), the others
keep their moments and weights. The per-backend tensor work (gathers,
scatters, row masks) lives in `_rows`.
"""

import keras
from keras import ops

from kerasoptim import _compat, _fast, _rows
from kerasoptim._docs import document
from kerasoptim.adam import Adam, adam_alpha, adam_delta, adam_increments


@keras.saving.register_keras_serializable(package="kerasoptim")
class LazyAdam(Adam):
    """Optimizer that implements the lazy Adam algorithm.

    Lazy Adam updates only the rows of a variable that take part in a step, so
    a step on a large embedding table costs what the batch touches. A row is a
    slice along the first axis (an element of a 1-D variable); it takes part
    only if it appears in the gradient: for a sparse gradient
    (`tf.IndexedSlices`, a JAX `BCOO`, a PyTorch sparse COO tensor) if its
    index is listed, for a dense gradient if its slice is not entirely zero.
    Repeated indices are summed first. Rows that take part get `m <- beta_1 * m
    + (1 - beta_1) * g`, `v <- beta_2 * v + (1 - beta_2) * g^2` and `w <- w -
    lr_t * m / (sqrt(v) + epsilon)` with `lr_t = learning_rate * sqrt(1 -
    beta_2^t) / (1 - beta_1^t)`; the other rows keep their `m`, `v` and
    weights. When every row appears, the step is exactly Adam's. This is
    TensorFlow Addons' LazyAdam for sparse gradients, extended to dense ones so
    that an embedding trains the same way whichever backend computes its
    gradient. With `amsgrad=True`, `v_hat` is kept per row, lazily;
    `weight_decay` decays only the rows that take part (before their Adam
    step).

    On TensorFlow, the `tf.IndexedSlices` gradient of an embedding lookup is
    applied with gathers and scatters on its rows only, also under XLA (and,
    executing eagerly, as one traced graph). JAX and PyTorch hand the optimizer
    dense gradients: JAX applies a masked update over the variable (fused under
    `jit`), PyTorch finds the rows that are not zero and updates only those.
    Sparse `BCOO` (JAX) and sparse COO (PyTorch) gradients are accepted too and
    applied by rows (a `BCOO` with batch dimensions is made dense first). Dense
    gradients on TensorFlow get the masked update in a traced step; executing
    eagerly, their rows are found as on PyTorch. Where a dense gradient
    touches every row, the step is Adam's, through Adam's fast path.

    Clipping (`clipnorm`, `clipvalue`, `global_clipnorm`) and loss scaling act
    on the values of a sparse gradient, without a dense pass. Gradient
    accumulation adds gradients into dense accumulators: it forces a dense
    pass, and a row then takes part if its averaged gradient is not entirely
    zero. EMA (like variable constraints) updates every weight each step, as in
    Keras: a dense pass over the variables. The optimizer variables are Adam's
    (`momentum`, `velocity`, `velocity_hat`).
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

    def _plain_decay(self, variables):
        """Nothing here: `update_step` decays the rows that take part."""

    _kernel = None  # rows are updated lazily: no whole-variable kernel

    def _kernel_missing(self):
        """Why LazyAdam has no fast path on this backend, or None: its
        kernels are Adam's (for a gradient that touches every row) and, in
        a traced TensorFlow step, the masked `lazy_adam`."""
        if type(self).update_step is not LazyAdam.update_step:
            return f"{type(self).__name__} has no fused kernel"
        return _fast.unavailable()

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """The step's one decision, then each variable once. Where rows
        are found eagerly (PyTorch, TensorFlow executing eagerly), dense
        gradients that touch every row take exactly Adam's step through
        the Adam kernel; in a traced TensorFlow step, dense gradients take
        the masked `lazy_adam` kernel. The rest: `update_step`, variable
        by variable, on the rows that take part."""
        grads, variables = list(grads), list(trainable_variables)
        kernel, candidates = None, []
        if _rows.finds_rows():
            kernel, grads = "adam", [self._rows_found(g) for g in grads]
            candidates = [i for i, g in enumerate(grads)
                          if not _rows.is_sparse(g) and len(g.shape) > 0]
        elif hasattr(_fast.KERNELS, "lazy_adam"):
            kernel = "lazy_adam"
            candidates = [i for i, g in enumerate(grads)
                          if not _rows.is_sparse(g)]
        plan = self._plan(grads, variables, candidates)
        lazy = sorted(set(range(len(variables))) - set(candidates))
        plan.plain.extend(lazy)
        plan.why.update((i, f"LazyAdam updates the rows of "
                            f"{_fast.label(variables[i])} that its gradient "
                            "lists, alone") for i in lazy)
        self._require_fast(plan)
        if plan.fast:
            self._fast_update(grads, variables, plan.fast, learning_rate,
                              kernel)
        self._plain_update([grads[i] for i in plan.plain],
                           [variables[i] for i in plan.plain], learning_rate)

    @staticmethod
    def _rows_found(gradient):
        """A dense gradient that leaves rows out as a sparse one of the
        rows it touches (so its rows are found once); any other as it
        is."""
        if _rows.is_sparse(gradient) or len(gradient.shape) == 0:
            return gradient
        rows = _rows.nonzero_rows(gradient)
        return gradient if rows is None else _rows.rows_to_sparse(gradient,
                                                                  rows)

    # -- the update --------------------------------------------------------
    def update_step(self, gradient, variable, learning_rate):
        """One lazy Adam step: only the rows that take part change."""
        terms = self._step_terms(variable.dtype, learning_rate)
        if _rows.is_sparse(gradient):
            rows, values = _rows.row_slices(gradient)
            values = ops.cast(values, variable.dtype)
            return self._update_rows(variable, rows, values, terms)
        gradient = ops.cast(gradient, variable.dtype)
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

    def _update_rows(self, variable, rows, gradient, terms):
        """Adam on the rows `rows` only (every row for `rows=None`)."""
        state = self._state(variable)
        old = [_rows.gather_rows(s, rows) for s in state]
        new = self._adam(gradient, old, variable, terms)
        for s, value in zip(state, new):
            _rows.scatter_rows(s, rows, value, self.assign)

    def _update_masked(self, variable, gradient, terms):
        """Adam everywhere, kept only on the rows that take part."""
        state = self._state(variable)
        mask = _rows.row_mask(gradient)

        def keep(new, old):
            return ops.where(mask, new, old)

        new = self._adam(gradient, [_rows.gather_rows(s, None)
                                    for s in state], variable, terms, keep)
        for s, value in zip(state, new):
            self.assign(s, value)

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
        w = w_old
        if self.weight_decay is not None and self._use_weight_decay(variable):
            wd = ops.cast(self.weight_decay, variable.dtype)
            w = w - w * wd * lr
        w = ops.subtract(w, adam_delta(
            m, denominator, adam_alpha(lr, step, beta_1, beta_2),
            ops.cast(self.epsilon, variable.dtype)))
        return [m, v, *v_hat, keep(w, w_old)]

document(LazyAdam, "LazyAdam")
