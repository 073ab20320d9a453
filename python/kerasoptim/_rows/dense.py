"""Row helpers for backends without sparse gradients (NumPy): LazyAdam
takes its masked update over whole variables, so only these are needed."""

from kerasoptim._rows import common

__all__ = ["is_sparse", "to_dense", "row_mask", "gather_rows", "finds_rows"]

row_mask = common.row_mask


def is_sparse(gradient):
    """Never: this backend has no sparse gradients."""
    return False


def to_dense(gradient):
    """The gradient, as is."""
    return gradient


def gather_rows(variable, rows):
    """The whole variable (`rows` is always None here)."""
    assert rows is None, "no row gathers without sparse gradients"
    return common.value(variable)


def finds_rows():
    """Whether a dense gradient's rows can be found eagerly: never (no row
    helpers here)."""
    return False
