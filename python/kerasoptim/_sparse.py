"""Sparse gradients: recognise them on each backend and sum repeated rows.

TensorFlow hands an optimizer `tf.IndexedSlices` for embedding lookups, often
with an index repeated within a batch; JAX may hand a `BCOO` array and PyTorch
a sparse COO tensor. Every kerasoptim optimizer sums repeated rows *before*
anything is squared, so a sparse gradient gives exactly the result of the
equivalent dense gradient, whichever backend produced it.
"""

import keras

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


def rows_and_values(gradient):
    """`(unique_rows, summed_values)` of a sparse gradient along axis 0.

    Rows are unique, so scattering the values gives the dense gradient.
    """
    if _BACKEND == "tensorflow":
        import tensorflow as tf

        rows, position = tf.unique(gradient.indices)
        values = tf.math.unsorted_segment_sum(
            gradient.values, position, tf.shape(rows)[0]
        )
        return rows, values
    if _BACKEND == "jax":
        summed = gradient.sum_duplicates()
        return summed.indices[:, 0], summed.data
    coalesced = gradient.coalesce()
    return coalesced.indices()[0], coalesced.values()
