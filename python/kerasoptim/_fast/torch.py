"""PyTorch kernels: Keras' Adam-family math over lists of tensors, in place.

Pure functions in the spirit of torch.optim's `_fused_adam` and
`_multi_tensor_adamax`: each takes lists of weights, gradients and slots
(plain, contiguous `torch.Tensor`s of one float32 or float64 dtype and one
device) and this step's scalars as Python floats, and never sees an
optimizer.

- `adam` is torch's fused Adam kernel (one pass over each tensor) fed
  Keras' step size `alpha` with the kernel's own bias corrections switched
  off (see `_compat.torch_fused_adam`), so it computes Keras' update
  `w -= alpha * m / (sqrt(v) + epsilon)`; with weight decay, the fused
  AdamW kernel, which decays in the same pass.
- `adamax` is five `torch._foreach_*` passes, as torch.optim's Adamax,
  after a decay pass `w += (-lr * wd) * w` when it decays.

They round otherwise than the plain `keras.ops` path (torch's kernel uses
`lerp` and fused multiply-adds): `tests/python/test_fast_paths.py` holds
them to `ULPS` float32 ulps of the plain path. 16-bit variables take the
plain path, whose numbers Keras' own 16-bit steps give.
"""

import torch

from kerasoptim import _compat, _fast

DTYPES = ("float32", "float64")


def scalar(value):
    """A 0-d tensor (or number) as the Python float a kernel takes."""
    return float(value.item() if isinstance(value, torch.Tensor) else value)


def _decay_rate(learning_rate, weight_decay):
    """`lr * weight_decay`, the fraction of itself a weight loses (0.0 for
    `weight_decay=None`)."""
    return 0.0 if weight_decay is None else learning_rate * weight_decay


def _decay(params, rate):
    """Decoupled weight decay `w <- w + (-rate) * w` (one pass)."""
    if rate:
        torch._foreach_add_(params, params, alpha=-rate)


@torch.no_grad()
def adam(params, grads, momentums, velocities, velocity_hats, *, alpha,
         one_minus_beta_1, one_minus_beta_2, epsilon, learning_rate=None,
         weight_decay=None):
    """One Adam step (Keras' epsilon-hat placement):
    `m = lerp(m, g, 1 - beta_1)`, `v = lerp(v, g^2, 1 - beta_2)`,
    (`v_hat = max(v_hat, v)` when `velocity_hats` is not empty),
    `w -= alpha * m / (sqrt(v) + epsilon)`, after the decoupled weight decay
    `w *= 1 - learning_rate * weight_decay` when `weight_decay` is given.

    A beta that rounds to 1 (where the fused kernel would divide by
    `1 - beta^t = 0`) takes the same update as `torch._foreach_*` passes."""
    rate = _decay_rate(learning_rate, weight_decay)
    beta_1, beta_2 = 1 - one_minus_beta_1, 1 - one_minus_beta_2
    if max(beta_1, beta_2) >= 1:
        _decay(params, rate)
        return _adam_foreach(params, grads, momentums, velocities,
                             velocity_hats, alpha=alpha, epsilon=epsilon,
                             one_minus_beta_1=one_minus_beta_1,
                             one_minus_beta_2=one_minus_beta_2)
    # The kernel forms `1 - beta` in double precision: from betas formed so
    # it gets back the plain path's `1 - beta` exactly.
    _compat.torch_fused_adam(
        params, [g.contiguous() for g in grads], momentums, velocities,
        velocity_hats, alpha=alpha, beta_1=beta_1, beta_2=beta_2,
        epsilon=epsilon, decay_rate=rate)


def _adam_foreach(params, grads, momentums, velocities, velocity_hats, *,
                  alpha, one_minus_beta_1, one_minus_beta_2, epsilon):
    torch._foreach_lerp_(momentums, grads, one_minus_beta_1)
    torch._foreach_lerp_(velocities, torch._foreach_mul(grads, grads),
                         one_minus_beta_2)
    if velocity_hats:
        torch._foreach_maximum_(velocity_hats, velocities)
        velocities = velocity_hats
    denominator = torch._foreach_sqrt(velocities)
    torch._foreach_add_(denominator, epsilon)
    torch._foreach_addcdiv_(params, momentums, denominator, value=-alpha)


@torch.no_grad()
def adamax(params, grads, momentums, norms, *, learning_rate,
           one_minus_beta_1, beta_2, bias_correction_1, epsilon,
           weight_decay=None):
    """One Adamax step: `m = lerp(m, g, 1 - beta_1)`,
    `u = max(beta_2 * u, |g|)`,
    `w -= lr / (1 - beta_1^t) * m / (u + epsilon)`, after the decoupled
    weight decay `w += (-lr * weight_decay) * w` when `weight_decay` is
    given."""
    _decay(params, _decay_rate(learning_rate, weight_decay))
    torch._foreach_lerp_(momentums, grads, one_minus_beta_1)
    torch._foreach_mul_(norms, beta_2)
    torch._foreach_maximum_(norms, torch._foreach_abs(grads))
    denominator = torch._foreach_add(norms, epsilon)
    torch._foreach_addcdiv_(params, momentums, denominator,
                            value=-learning_rate / bias_correction_1)


def tensor(variable):
    """The tensor a kernel updates for a Keras variable."""
    return _compat.backend_tensor(variable)


def dtype(variable):
    """The dtype name of the tensor behind a Keras variable."""
    return str(tensor(variable).dtype).removeprefix("torch.")


def cast(gradient, dtype):
    """`gradient` as `dtype` (itself when it is already)."""
    return gradient.to(getattr(torch, dtype))


def step_refusal():
    """Why no variable of this step can take a kernel, or None."""
    if _compat.in_stateless_scope():
        return ("the step runs inside `stateless_apply`, where kernels may "
                "not write in place")
    if torch.compiler.is_compiling():
        return ("the step is being compiled (`torch.compile`), which cannot "
                "trace the fused kernels")
    return None


def variable_refusal(variable, gradient=None):
    """Why `variable` (and its `gradient`) cannot take a kernel, or None."""
    value = tensor(variable)
    kind = str(value.dtype).removeprefix("torch.")
    if kind not in DTYPES:
        return (f"variable {_fast.label(variable)} has dtype {kind} (the "
                "kernels take float32 and float64)")
    if not value.is_contiguous():
        return f"variable {_fast.label(variable)} is not contiguous in memory"
    if gradient is None:
        return None
    if not isinstance(gradient, torch.Tensor):
        return (f"the gradient of {_fast.label(variable)} is a "
                f"{type(gradient).__name__}")
    if gradient.is_sparse:
        return f"the gradient of {_fast.label(variable)} is sparse"
    if tuple(gradient.shape) != tuple(value.shape):
        return (f"the gradient of {_fast.label(variable)} has shape "
                f"{tuple(gradient.shape)}, the variable "
                f"{tuple(value.shape)}")
    if gradient.device != value.device:
        return (f"the gradient of {_fast.label(variable)} is on "
                f"{gradient.device}, the variable on {value.device}")
    return None


def run(kernel, params, grads, *slot_lists, ledger=None, formula=None,
        moment_dtype=None, **scalars):
    """Call `kernel` with its scalars as Python floats: `scalars`, or with
    a `formula`, `formula(dtype, **scalars)` for the weights' dtype, the
    scalars computed from a step's terms (`ledger`: unused, nothing here
    is compiled).

    Slots of another dtype than the weights (`moment_dtype`) are widened
    to the weights' dtype a block at a time (`_blocks`), the kernel runs on
    the widened copies, and they are stored back, rounded to nearest even:
    the state stays in `moment_dtype`, the transient copies cost at most
    `BLOCK` elements a slot."""
    if formula is not None:
        scalars = formula(dtype(params[0]), **scalars)
    scalars = {name: scalar(v) for name, v in scalars.items()}
    if moment_dtype is None or all(
            s.dtype == p.dtype for l in slot_lists for s, p in zip(l, params)):
        return kernel(params, grads, *slot_lists, **scalars)
    for block in _blocks(params, grads, *slot_lists):
        p, g, *slots = block
        wide = [[s.to(p[0].dtype) for s in l] for l in slots]
        kernel(p, g, *wide, **scalars)
        for stored, values in zip(slots, wide):
            if stored:
                torch._foreach_copy_(stored, values)


# The most elements of one tensor the widened copies of `run` hold at once
# (1 MiB of float32 a slot), and of a block of several small tensors.
BLOCK = 1 << 18


def _blocks(params, grads, *slot_lists):
    """`(params, grads, *slot_lists)` cut into blocks of at most `BLOCK`
    elements: tensors in row slices (views), small tensors together."""
    block, size = [], 0
    for tensors in zip(params, grads, *[l or [None] * len(params)
                                        for l in slot_lists]):
        for part in _row_slices(tensors):
            n = part[0].numel()
            if block and size + n > BLOCK:
                yield _lists(block, slot_lists)
                block, size = [], 0
            block.append(part)
            size += n
    if block:
        yield _lists(block, slot_lists)


def _row_slices(tensors):
    """Views of `tensors` (of one shape; None: no slot) of at most `BLOCK`
    elements, cut along the first axis."""
    first = tensors[0]
    if first.dim() == 0 or first.numel() <= BLOCK:
        return [tensors]
    rows = max(1, BLOCK // (first.numel() // first.shape[0]))
    return [tuple(None if t is None else t[start:start + rows]
                  for t in tensors)
            for start in range(0, first.shape[0], rows)]


def _lists(block, slot_lists):
    """The per-tensor tuples of `block` as the kernel's lists (an empty
    list where the slot list is empty)."""
    columns = [list(c) for c in zip(*block)]
    return columns[:2] + [c if l else [] for c, l in zip(columns[2:],
                                                          slot_lists)]
