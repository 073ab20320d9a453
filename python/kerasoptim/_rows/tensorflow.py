"""TensorFlow row helpers: `tf.IndexedSlices` gradients.

Outside XLA repeated rows are removed (`tf.unique`: fewer operations); under
XLA (`jit_compile=True`) they are kept, sorted (`common.sum_repeats`).
"""

import functools

import tensorflow as tf

from kerasoptim import _compat
from kerasoptim._rows import common

__all__ = common.HELPERS + ("finds_rows", "nonzero_rows")

row_mask = common.row_mask


def is_sparse(gradient):
    """True for `tf.IndexedSlices`."""
    return isinstance(gradient, tf.IndexedSlices)


def to_dense(gradient):
    """The dense gradient, repeated rows summed; dense input as is."""
    if not is_sparse(gradient):
        return gradient
    return tf.math.unsorted_segment_sum(gradient.values, gradient.indices,
                                        gradient.dense_shape[0])


def finds_rows():
    """Whether `nonzero_rows` can run: executing eagerly (a traced step
    keeps static shapes and takes `row_mask`)."""
    return tf.executing_eagerly()


def nonzero_rows(gradient):
    """The rows of a dense gradient that are not entirely zero, or `None`
    when every row is (eagerly)."""
    mask = tf.reshape(row_mask(gradient), [-1])
    if bool(tf.reduce_all(mask)):  # no int64 index per row to build
        return None
    return tf.where(mask)[:, 0]


def has_rows(gradient):
    """Always: `IndexedSlices` are row slices."""
    return True


def _xla():
    """True while tracing for XLA, where shapes must be static."""
    return not tf.executing_eagerly() and _compat.tf_in_xla_context()


def _unique_rows(gradient):
    """Unique rows and their summed slices."""
    rows, position = tf.unique(gradient.indices)
    values = tf.math.unsorted_segment_sum(gradient.values, position,
                                          tf.shape(rows)[0])
    return rows, values


def _sum_repeats(gradient):
    return common.sum_repeats(
        gradient.indices, gradient.values,
        argsort=functools.partial(tf.argsort, stable=True),
        segment_sum=lambda values, segment: tf.math.unsorted_segment_sum(
            values, segment, tf.shape(values)[0]))


def row_slices(gradient):
    """`(rows, values)`, each entry carrying its row's total."""
    if getattr(gradient, "unique_rows", False):
        return gradient.indices, gradient.values
    if not _xla():
        return _unique_rows(gradient)
    rows, totals, _ = _sum_repeats(gradient)
    return rows, totals


def coalesce(gradient):
    """`IndexedSlices` with repeated rows summed (values with the norm of
    the dense gradient): rows unique, or under XLA each total on its row's
    first entry and zeros on its repeats."""
    if not _xla():
        rows, values = _unique_rows(gradient)
        return _slices(values, rows, gradient.dense_shape, unique=True)
    rows, totals, first = _sum_repeats(gradient)
    return _slices(common.first_only(totals, first), rows,
                   gradient.dense_shape, unique=False)


def divisible(gradient):
    """`IndexedSlices` that Keras' loss scaling can divide (repeats kept)."""
    if hasattr(gradient, "unique_rows"):
        return gradient
    return _slices(gradient.values, gradient.indices, gradient.dense_shape,
                   unique=False)


def values(gradient):
    """The values of a coalesced gradient."""
    return gradient.values


def with_values(gradient, new_values):
    """A coalesced gradient with its values replaced."""
    return _slices(new_values, gradient.indices, gradient.dense_shape,
                   getattr(gradient, "unique_rows", False))


class CoalescedIndexedSlices(tf.IndexedSlices):
    """`IndexedSlices` that Keras' loss scaling can divide (`g / scale`;
    plain ones have no division) and that remember whether their rows are
    unique (`unique_rows`)."""

    unique_rows = False

    def __truediv__(self, other):
        return _slices(self.values / other, self.indices, self.dense_shape,
                       self.unique_rows)


def _slices(values, indices, dense_shape, unique):
    slices = CoalescedIndexedSlices(values, indices, dense_shape)
    slices.unique_rows = unique
    return slices


def gather_rows(variable, rows):
    """The rows `rows` of a variable (all of it for `rows=None`)."""
    value = common.value(variable)
    return value if rows is None else tf.gather(value, rows)


def scatter_rows(variable, rows, new_values, assign):
    """Write `new_values` to the rows `rows` (all for `rows=None`): Keras'
    TensorFlow `assign` turns `IndexedSlices` into a scatter update."""
    if rows is not None:
        new_values = tf.IndexedSlices(new_values, rows)
    return assign(variable, new_values)
