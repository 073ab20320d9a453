"""Sparse gradients: recognise them on each backend and sum repeated rows.

TensorFlow hands an optimizer `tf.IndexedSlices` for embedding lookups, often
with an index repeated within a batch; JAX may hand a `BCOO` array and PyTorch
a sparse COO tensor. Every kerasoptim optimizer sums repeated rows *before*
anything is squared, so a sparse gradient gives exactly the result of the
equivalent dense gradient, whichever backend produced it. LazyAdam keeps
sparse gradients sparse and updates only the rows they touch: the row-slice
helpers below (gathers, scatters, row masks) are its per-backend tensor work.
"""

import keras
from keras import ops

from kerasoptim import _compat

_BACKEND = keras.backend.backend()


def is_sparse(gradient):
    """True for a backend's sparse gradient type."""
    if gradient is None:
        return False
    if _BACKEND == "tensorflow":
        import tensorflow as tf

        return isinstance(gradient, tf.IndexedSlices)
    if _BACKEND == "jax":
        from jax.experimental import sparse

        return isinstance(gradient, sparse.BCOO)
    if _BACKEND == "torch":
        return getattr(gradient, "is_sparse", False)
    return False


def to_dense(gradient):
    """The dense gradient, repeated rows summed; dense input is returned as is."""
    if not is_sparse(gradient):
        return gradient
    if _BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.math.unsorted_segment_sum(
            gradient.values, gradient.indices, gradient.dense_shape[0]
        )
    if _BACKEND == "jax":
        return gradient.todense()
    return gradient.to_dense()


# -- row slices: what LazyAdam reads and writes --------------------------
#
# LazyAdam sees a sparse gradient as row slices: `rows` (indices along the
# first axis) and `values` (one slice per row). PyTorch, and TensorFlow
# outside XLA, remove repeated rows (`unique`). Under XLA and JAX's `jit` the
# shapes must stay static: repeated rows are kept, sorted next to each other,
# each entry carrying its row's total, so the scatters that follow write the
# same value for every repeat.


def has_rows(gradient):
    """Whether row slices can be read from a sparse gradient (every kind but
    a JAX `BCOO` with batch dimensions)."""
    return getattr(gradient, "n_batch", 0) == 0


def _value(variable):
    """The backend tensor (or `tf.Variable`) behind a Keras variable."""
    return variable.value if isinstance(variable, keras.Variable) else variable


def _entries(gradient):
    """`(rows, values)` of a sparse gradient, rows possibly repeated."""
    if _BACKEND == "tensorflow":
        return gradient.indices, gradient.values
    if _BACKEND == "jax":
        return _bcoo_entries(gradient)
    return _torch_rows(gradient)


def _bcoo_entries(gradient):
    """Row entries of a `BCOO` (no batch dimensions, see `has_rows`); an
    entry that indexes single elements becomes a row slice holding it."""
    import jax.numpy as jnp

    indices, data = gradient.indices, gradient.data
    rows = indices[:, 0]
    if gradient.n_sparse == 1:
        return rows, data
    shape = gradient.shape
    slabs = jnp.zeros((rows.shape[0],) + tuple(shape[1:]), data.dtype)
    where = (jnp.arange(rows.shape[0]),) + tuple(
        indices[:, i] for i in range(1, gradient.n_sparse))
    return rows, slabs.at[where].add(data, mode="drop")


def _torch_rows(gradient):
    """Unique rows and their summed slices of a torch sparse COO tensor."""
    import torch

    gradient = gradient.coalesce()
    indices, values = gradient.indices(), gradient.values()
    if gradient.sparse_dim() == 1:
        return indices[0], values
    rows, position = torch.unique(indices[0], return_inverse=True)
    slices = values.new_zeros((rows.shape[0],) + tuple(gradient.shape[1:]))
    slices.index_put_((position, *indices[1:]), values, accumulate=True)
    return rows, slices


def _tf_xla():
    """True while tracing for XLA (`jit_compile=True`), where shapes must be
    static; `tf.unique` is used elsewhere (fewer operations)."""
    import tensorflow as tf

    if tf.executing_eagerly():
        return False
    return _compat.tf_in_xla_context()


def _tf_unique_rows(gradient):
    """Unique rows and their summed slices of `tf.IndexedSlices`."""
    import tensorflow as tf

    rows, position = tf.unique(gradient.indices)
    values = tf.math.unsorted_segment_sum(gradient.values, position,
                                          tf.shape(rows)[0])
    return rows, values


def tf_flatten(grads):
    """TensorFlow gradients as `(tensors, layout)`: plain tensors to pass to
    a `tf.function`, and the (hashable) structure `tf_unflatten` rebuilds."""
    tensors, layout = [], []
    for gradient in grads:
        if is_sparse(gradient):
            tensors += [gradient.indices, gradient.values]
            layout.append(bool(getattr(gradient, "unique_rows", False)))
        else:
            tensors.append(gradient)
            layout.append(None)
    return tensors, tuple(layout)


def tf_unflatten(tensors, layout):
    """The gradients `tf_flatten` took apart (sparse ones without their
    dense shape, which scatters don't need)."""
    grads, tensors = [], list(tensors)
    for unique in layout:
        if unique is None:
            grads.append(tensors.pop(0))
        else:
            indices, values = tensors.pop(0), tensors.pop(0)
            grads.append(_slices(values, indices, None, unique))
    return grads


def _sum_repeats(rows, values):
    """Sort the entries by row; return `(rows, totals, first)`: each entry's
    row total and whether the entry is its row's first (static shapes)."""
    if _BACKEND == "tensorflow":
        import tensorflow as tf

        order = tf.argsort(rows, stable=True)
        rows, values = tf.gather(rows, order), tf.gather(values, order)
        first = tf.concat(
            [tf.ones_like(rows[:1], dtype=tf.bool), rows[1:] != rows[:-1]], 0)
        segment = tf.cumsum(tf.cast(first, tf.int32)) - 1
        totals = tf.math.unsorted_segment_sum(values, segment,
                                              tf.shape(rows)[0])
        return rows, tf.gather(totals, segment), first
    import jax
    import jax.numpy as jnp

    order = jnp.argsort(rows, stable=True)
    rows, values = rows[order], values[order]
    first = jnp.concatenate(
        [jnp.ones_like(rows[:1], dtype=bool), rows[1:] != rows[:-1]])
    segment = jnp.cumsum(first.astype("int32")) - 1
    totals = jax.ops.segment_sum(values, segment, rows.shape[0],
                                 indices_are_sorted=True)
    return rows, totals[segment], first


def row_slices(gradient):
    """`(rows, values)` of a sparse gradient, each entry carrying its row's
    total (repeats kept on TensorFlow and JAX, removed on PyTorch)."""
    if getattr(gradient, "unique_rows", False):
        return gradient.indices, gradient.values
    if _BACKEND == "tensorflow" and not _tf_xla():
        return _tf_unique_rows(gradient)
    rows, values = _entries(gradient)
    if _BACKEND == "torch":
        return rows, values
    rows, totals, _ = _sum_repeats(rows, values)
    return rows, totals


def coalesce(gradient):
    """A sparse gradient of the same kind, as row slices with repeated rows
    summed: its values then have the norm of the dense gradient, so clipping
    them is clipping the gradient.

    On PyTorch, and on TensorFlow outside XLA, rows become unique. Under XLA
    and JAX's `jit` the shapes stay static: each row's total sits on its
    first entry and its repeats hold zeros.
    """
    if _BACKEND == "torch":
        import torch

        rows, values = _torch_rows(gradient)
        return torch.sparse_coo_tensor(rows[None], values, gradient.shape,
                                       is_coalesced=True)
    if _BACKEND == "tensorflow" and not _tf_xla():
        rows, values = _tf_unique_rows(gradient)
        return _slices(values, rows, gradient.dense_shape, unique=True)
    rows, values = _entries(gradient)
    rows, totals, first = _sum_repeats(rows, values)
    first = ops.reshape(first, (-1,) + (1,) * (len(totals.shape) - 1))
    values = ops.where(first, totals, ops.zeros_like(totals))
    if _BACKEND == "tensorflow":
        return _slices(values, rows, gradient.dense_shape, unique=False)
    from jax.experimental import sparse

    return sparse.BCOO((values, rows[:, None]), shape=gradient.shape)


def divisible(gradient):
    """A sparse gradient that Keras' loss scaling can divide: on TensorFlow
    as `IndexedSlices` with a division (repeated rows kept); else as is."""
    if _BACKEND != "tensorflow" or hasattr(gradient, "unique_rows"):
        return gradient
    return _slices(gradient.values, gradient.indices, gradient.dense_shape,
                   unique=False)


def values(gradient):
    """The values of a sparse gradient made by `coalesce()`."""
    if _BACKEND == "tensorflow":
        return gradient.values
    if _BACKEND == "jax":
        return gradient.data
    return gradient.coalesce().values()


def with_values(gradient, new_values):
    """`gradient` (made by `coalesce()`) with its values replaced."""
    if _BACKEND == "tensorflow":
        return _slices(new_values, gradient.indices, gradient.dense_shape,
                       getattr(gradient, "unique_rows", False))
    if _BACKEND == "jax":
        from jax.experimental import sparse

        return sparse.BCOO((new_values, gradient.indices),
                           shape=gradient.shape)
    import torch

    gradient = gradient.coalesce()
    return torch.sparse_coo_tensor(gradient.indices(), new_values,
                                   gradient.shape, is_coalesced=True)


_SLICES = []


def _slices(values, indices, dense_shape, unique):
    """`tf.IndexedSlices` that Keras' loss scaling can divide (`g / scale`;
    plain `IndexedSlices` have no division) and that remember whether their
    rows are unique (`unique_rows`)."""
    if not _SLICES:
        import tensorflow as tf

        class CoalescedIndexedSlices(tf.IndexedSlices):
            unique_rows = False

            def __truediv__(self, other):
                return _slices(self.values / other, self.indices,
                               self.dense_shape, self.unique_rows)

        _SLICES.append(CoalescedIndexedSlices)
    slices = _SLICES[0](values, indices, dense_shape)
    slices.unique_rows = unique
    return slices


def row_mask(gradient):
    """Which rows of a dense gradient take part: those not entirely zero
    (a row holding a NaN takes part). Shaped to broadcast against the
    gradient; an element for 1-D and 0-D gradients."""
    if len(gradient.shape) <= 1:
        return ops.not_equal(gradient, 0)
    axes = tuple(range(1, len(gradient.shape)))
    if _BACKEND == "jax":
        # XLA on CPU materialises a full-size boolean for `any(g != 0)`;
        # the largest magnitude (NaN propagates) fuses into the reduction.
        return ops.not_equal(
            ops.max(ops.abs(gradient), axis=axes, keepdims=True), 0)
    return ops.any(ops.not_equal(gradient, 0), axis=axes, keepdims=True)


def nonzero_rows(gradient):
    """PyTorch: the rows of a dense gradient that are not entirely zero, or
    `None` when every row is."""
    import torch

    with torch.no_grad():
        if gradient.dim() == 1:
            nonzero = gradient != 0
        else:
            # Two vectorised reductions beat `any(g != 0)` several times
            # over; NaN propagates through both, -0.0 counts as zero.
            flat = gradient.flatten(1)
            nonzero = (torch.amax(flat, 1) != 0) | (torch.amin(flat, 1) != 0)
        rows = torch.nonzero(nonzero).squeeze(1)
    return None if rows.shape[0] == gradient.shape[0] else rows


def torch_rows_to_sparse(gradient, rows):
    """PyTorch: the rows `rows` of a dense gradient as a sparse COO tensor."""
    import torch

    return torch.sparse_coo_tensor(rows.unsqueeze(0),
                                   gradient.index_select(0, rows),
                                   gradient.shape, is_coalesced=True)


def gather_rows(variable, rows):
    """The rows `rows` of a variable (all of it for `rows=None`)."""
    value = _value(variable)
    if rows is None:
        return value
    if _BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.gather(value, rows)
    if _BACKEND == "jax":
        # Padding entries of a BCOO index past the end: read as zeros.
        return value.at[rows].get(mode="fill", fill_value=0)
    import torch

    with torch.no_grad():
        return value.index_select(0, rows)


def scatter_rows(optimizer, variable, rows, new_values):
    """Write `new_values` to the rows `rows` of a variable, in place where
    the backend allows (all of it for `rows=None`)."""
    if rows is None:
        return optimizer.assign(variable, new_values)
    if _BACKEND == "tensorflow":
        import tensorflow as tf

        # Keras' TensorFlow `assign` turns IndexedSlices into scatter_update.
        return optimizer.assign(variable, tf.IndexedSlices(new_values, rows))
    if _BACKEND == "jax":
        # In place under `jit` with donated buffers (as in `fit()`).
        return optimizer.assign(
            variable, _value(variable).at[rows].set(new_values, mode="drop"))
    import torch

    value = _value(variable)
    with torch.no_grad():
        if _compat.in_stateless_scope():
            return optimizer.assign(variable,
                                    value.index_copy(0, rows, new_values))
        value.index_copy_(0, rows, new_values.to(value.dtype))
