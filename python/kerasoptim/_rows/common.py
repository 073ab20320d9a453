"""Backend-neutral row helpers, written with `keras.ops`.

Under XLA (TensorFlow's `jit_compile=True`) and JAX's `jit` shapes must stay
static, so repeated rows cannot be removed: they are kept, sorted next to
each other, each entry carrying its row's total (`sum_repeats`), so that the
scatters that follow write the same value for every repeat.
"""

import keras
from keras import ops

# What every backend module (`_rows.tensorflow`, `_rows.jax`, `_rows.torch`)
# implements; see `_rows/__init__.py`.
HELPERS = ("is_sparse", "to_dense", "has_rows", "row_slices", "coalesce",
           "divisible", "values", "with_values", "row_mask", "gather_rows",
           "scatter_rows")


def value(variable):
    """The backend tensor (or `tf.Variable`) behind a Keras variable."""
    return variable.value if isinstance(variable, keras.Variable) else variable


def sum_repeats(rows, values, *, argsort, segment_sum):
    """Sort the entries by row; return `(rows, totals, first)`: each entry's
    row total and whether the entry is its row's first (static shapes).

    `argsort(rows)` must be stable; `segment_sum(values, segment)` sums the
    sorted segments into as many outputs as there are entries.
    """
    order = argsort(rows)
    rows = ops.take(rows, order, axis=0)
    values = ops.take(values, order, axis=0)
    first = ops.concatenate([ops.ones_like(rows[:1], dtype="bool"),
                             ops.not_equal(rows[1:], rows[:-1])], axis=0)
    segment = ops.cumsum(ops.cast(first, "int32")) - 1
    totals = segment_sum(values, segment)
    return rows, ops.take(totals, segment, axis=0), first


def first_only(totals, first):
    """Each row's total on its first entry, zeros on its repeats."""
    first = ops.reshape(first, (-1,) + (1,) * (len(totals.shape) - 1))
    return ops.where(first, totals, ops.zeros_like(totals))


def row_mask(gradient, by_magnitude=False):
    """Which rows of a dense gradient take part: those not entirely zero
    (a row holding a NaN takes part). Shaped to broadcast against the
    gradient; an element for 1-D and 0-D gradients.

    `by_magnitude` reduces the largest magnitude instead of `any(g != 0)`
    (NaN propagates either way): XLA on CPU fuses it into the reduction
    where it would materialise a full-size boolean.
    """
    if len(gradient.shape) <= 1:
        return ops.not_equal(gradient, 0)
    axes = tuple(range(1, len(gradient.shape)))
    if by_magnitude:
        return ops.not_equal(
            ops.max(ops.abs(gradient), axis=axes, keepdims=True), 0)
    return ops.any(ops.not_equal(gradient, 0), axis=axes, keepdims=True)
