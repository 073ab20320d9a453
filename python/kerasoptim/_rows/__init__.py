"""LazyAdam's row helpers, one module per backend, chosen once here.

LazyAdam sees a sparse gradient as row slices: `rows` (indices along the
first axis) and `values` (one slice per row), and reads and writes only those
rows of its variables. Every backend module (`_rows.tensorflow`, `_rows.jax`,
`_rows.torch`) implements the same functions, re-exported here:

- `is_sparse(g)`, `to_dense(g)` (repeated rows summed), `has_rows(g)`
  (row slices can be read: all but a JAX `BCOO` with batch dimensions);
- `row_slices(g)` -> `(rows, values)`, each entry carrying its row's total;
  `coalesce(g)` (the same kind, repeated rows summed, for clipping),
  `divisible(g)` (what Keras' loss scaling can divide), `values(g)` and
  `with_values(g, values)` of a coalesced gradient;
- `row_mask(g)`: which rows of a dense gradient are not entirely zero;
- `gather_rows(variable, rows)` and `scatter_rows(variable, rows, values,
  assign)` (`rows=None`: the whole variable; `assign(variable, value)` is
  the optimizer's, called where the write is not made in place).

`nonzero_rows(g)` finds a dense gradient's rows eagerly, where
`finds_rows()` says it can (PyTorch; TensorFlow executing eagerly); traced
steps keep static shapes and use `row_mask`.
Backends without sparse gradients (NumPy) get
`_rows.dense` (`is_sparse`, `to_dense`, `row_mask`, `gather_rows` of whole
variables). Backend-neutral code (`keras.ops`) lives in `_rows.common`.
"""

from kerasoptim import _compat

if _compat.BACKEND == "tensorflow":
    from kerasoptim._rows.tensorflow import *  # noqa: F401,F403
elif _compat.BACKEND == "jax":
    from kerasoptim._rows.jax import *  # noqa: F401,F403
elif _compat.BACKEND == "torch":
    from kerasoptim._rows.torch import *  # noqa: F401,F403
else:
    from kerasoptim._rows.dense import *  # noqa: F401,F403
