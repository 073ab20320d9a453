"""PyTorch row helpers: sparse COO gradients, rows found eagerly.

Repeated rows are removed (`coalesce`). Dense gradients have their rows
found too (`nonzero_rows`), so a step touches only those; writes are made
in place (`index_copy_`) except under `keras.StatelessScope`.
"""

import torch

from kerasoptim import _compat
from kerasoptim._rows import common

__all__ = common.HELPERS + ("finds_rows", "nonzero_rows")

row_mask = common.row_mask


def is_sparse(gradient):
    """True for a sparse tensor."""
    return getattr(gradient, "is_sparse", False)


def to_dense(gradient):
    """The dense gradient, repeated entries summed; dense input as is."""
    return gradient.to_dense() if is_sparse(gradient) else gradient


def has_rows(gradient):
    """Always: any sparse COO tensor is read as row slices."""
    return True


def row_slices(gradient):
    """Unique rows and their summed slices."""
    gradient = gradient.coalesce()
    indices, values = gradient.indices(), gradient.values()
    if gradient.sparse_dim() == 1:
        return indices[0], values
    rows, position = torch.unique(indices[0], return_inverse=True)
    slices = values.new_zeros((rows.shape[0],) + tuple(gradient.shape[1:]))
    slices.index_put_((position, *indices[1:]), values, accumulate=True)
    return rows, slices


def _sparse_rows(rows, values, shape):
    """Unique `rows` and their slices as a coalesced sparse tensor (its
    invariants hold by construction: not checked, and no warning that they
    are not)."""
    return torch.sparse_coo_tensor(rows.unsqueeze(0), values, shape,
                                   is_coalesced=True, check_invariants=False)


def coalesce(gradient):
    """Row slices, unique rows (values with the norm of the dense
    gradient)."""
    return _sparse_rows(*row_slices(gradient), gradient.shape)


def divisible(gradient):
    """As is: a sparse tensor divides."""
    return gradient


def values(gradient):
    """The values of a coalesced gradient."""
    return gradient.coalesce().values()


def with_values(gradient, new_values):
    """A coalesced gradient with its values replaced."""
    gradient = gradient.coalesce()
    return torch.sparse_coo_tensor(gradient.indices(), new_values,
                                   gradient.shape, is_coalesced=True,
                                   check_invariants=False)


def finds_rows():
    """Whether `nonzero_rows` can run: always (PyTorch runs eagerly)."""
    return True


def nonzero_rows(gradient):
    """The rows of a dense gradient that are not entirely zero, or `None`
    when every row is."""
    with torch.no_grad():
        if gradient.dim() == 1:
            nonzero = gradient != 0
        else:
            # Two vectorised reductions beat `any(g != 0)` several times
            # over; NaN propagates through both, -0.0 counts as zero.
            flat = gradient.flatten(1)
            nonzero = (torch.amax(flat, 1) != 0) | (torch.amin(flat, 1) != 0)
        if bool(nonzero.all()):  # no int64 index per row to build
            return None
        return torch.nonzero(nonzero).squeeze(1)


def gather_rows(variable, rows):
    """The rows `rows` of a variable (all of it for `rows=None`)."""
    value = common.value(variable)
    if rows is None:
        return value
    with torch.no_grad():
        return value.index_select(0, rows)


def scatter_rows(variable, rows, new_values, assign):
    """Write `new_values` to the rows `rows` (all for `rows=None`), in place
    except under `keras.StatelessScope`, where `assign` records it."""
    if rows is None:
        return assign(variable, new_values)
    value = common.value(variable)
    with torch.no_grad():
        if _compat.in_stateless_scope():
            return assign(variable, value.index_copy(0, rows, new_values))
        value.index_copy_(0, rows, new_values.to(value.dtype))
