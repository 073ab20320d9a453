"""JAX row helpers: `BCOO` gradients, static shapes (`jit`).

Repeated rows are kept, sorted (`common.sum_repeats`). A `BCOO` may hold
padding entries that index past the end: gathers read them as zeros and
scatters drop them.
"""

import functools

import jax
import jax.numpy as jnp
from jax.experimental import sparse

from kerasoptim._rows import common

__all__ = common.HELPERS + ("finds_rows",)

# XLA on CPU materialises a full-size boolean for `any(g != 0)`.
row_mask = functools.partial(common.row_mask, by_magnitude=True)


def is_sparse(gradient):
    """True for a `BCOO` array."""
    return isinstance(gradient, sparse.BCOO)


def to_dense(gradient):
    """The dense gradient, repeated entries summed; dense input as is."""
    return gradient.todense() if is_sparse(gradient) else gradient


def has_rows(gradient):
    """Whether row slices can be read: no batch dimensions."""
    return gradient.n_batch == 0


def _entries(gradient):
    """`(rows, values)`, rows possibly repeated; an entry that indexes single
    elements becomes a row slice holding it."""
    indices, data = gradient.indices, gradient.data
    rows = indices[:, 0]
    if gradient.n_sparse == 1:
        return rows, data
    slabs = jnp.zeros((rows.shape[0],) + tuple(gradient.shape[1:]),
                      data.dtype)
    where = (jnp.arange(rows.shape[0]),) + tuple(
        indices[:, i] for i in range(1, gradient.n_sparse))
    return rows, slabs.at[where].add(data, mode="drop")


def _sum_repeats(gradient):
    return common.sum_repeats(
        *_entries(gradient),
        argsort=functools.partial(jnp.argsort, stable=True),
        segment_sum=lambda values, segment: jax.ops.segment_sum(
            values, segment, values.shape[0], indices_are_sorted=True))


def row_slices(gradient):
    """`(rows, values)`, each entry carrying its row's total."""
    rows, totals, _ = _sum_repeats(gradient)
    return rows, totals


def coalesce(gradient):
    """A `BCOO` of row slices, each row's total on its first entry and
    zeros on its repeats (values with the norm of the dense gradient)."""
    rows, totals, first = _sum_repeats(gradient)
    return sparse.BCOO((common.first_only(totals, first), rows[:, None]),
                       shape=gradient.shape)


def divisible(gradient):
    """As is: a `BCOO` divides."""
    return gradient


def values(gradient):
    """The values of a coalesced gradient."""
    return gradient.data


def with_values(gradient, new_values):
    """A coalesced gradient with its values replaced."""
    return sparse.BCOO((new_values, gradient.indices), shape=gradient.shape)


def gather_rows(variable, rows):
    """The rows `rows` of a variable (all of it for `rows=None`)."""
    value = common.value(variable)
    if rows is None:
        return value
    return value.at[rows].get(mode="fill", fill_value=0)


def scatter_rows(variable, rows, new_values, assign):
    """Write `new_values` to the rows `rows` (all for `rows=None`): in place
    under `jit` with donated buffers (as in `fit()`)."""
    if rows is not None:
        new_values = common.value(variable).at[rows].set(new_values,
                                                         mode="drop")
    return assign(variable, new_values)


def finds_rows():
    """Whether a dense gradient's rows can be found eagerly: never (under
    `jit` shapes are static: `row_mask`)."""
    return False
