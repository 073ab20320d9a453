"""PyTorch kernels: Keras' Adam-family math over lists of tensors, in place.

Pure functions in the spirit of torch.optim's `_multi_tensor_adam`: each takes
lists of weights, gradients and slots (plain `torch.Tensor`s of one dtype and
device) and this step's scalars, and never sees an optimizer. Each kernel is
a sequence of `torch._foreach_*` operations, one per operation of the plain
`keras.ops` path and in the same order, so it rounds exactly as the plain
path does: any stride (transposed, expanded) and any floating dtype.

Scalars are Python floats that the caller has already rounded to the
tensors' dtype (`scalar()`), as the plain path casts them: a float16 step
then multiplies by the float16 value, as `keras.ops` does.
"""

import torch

DTYPES = ("float16", "bfloat16", "float32", "float64")


def scalar(value):
    """A 0-d tensor (or number) as the Python float a kernel takes."""
    return float(value.item() if isinstance(value, torch.Tensor) else value)


@torch.no_grad()
def decay(params, *, learning_rate, weight_decay):
    """Decoupled weight decay `w <- w - w * weight_decay * learning_rate`."""
    shrink = torch._foreach_mul(params, weight_decay)
    torch._foreach_mul_(shrink, learning_rate)
    torch._foreach_sub_(params, shrink)


@torch.no_grad()
def _moment(moments, grads, one_minus_beta, square=False):
    """`moment <- moment + (g - moment) * (1 - beta)` (g squared if asked)."""
    target = torch._foreach_mul(grads, grads) if square else list(grads)
    increment = torch._foreach_sub(target, moments)
    torch._foreach_mul_(increment, one_minus_beta)
    torch._foreach_add_(moments, increment)


@torch.no_grad()
def adam(params, grads, momentums, velocities, velocity_hats, *, alpha,
         one_minus_beta_1, one_minus_beta_2, epsilon):
    """One Adam step (Keras' epsilon-hat placement):
    `m += (g - m)(1 - beta_1)`, `v += (g^2 - v)(1 - beta_2)`,
    (`v_hat = max(v_hat, v)` when `velocity_hats` is not empty),
    `w -= m * alpha / (sqrt(v) + epsilon)`."""
    _moment(momentums, grads, one_minus_beta_1)
    _moment(velocities, grads, one_minus_beta_2, square=True)
    if velocity_hats:
        torch._foreach_maximum_(velocity_hats, velocities)
        velocities = velocity_hats
    denominator = torch._foreach_sqrt(velocities)
    torch._foreach_add_(denominator, epsilon)
    delta = torch._foreach_mul(momentums, alpha)
    torch._foreach_div_(delta, denominator)
    torch._foreach_sub_(params, delta)


@torch.no_grad()
def adamax(params, grads, momentums, norms, *, learning_rate,
           one_minus_beta_1, beta_2, bias_correction_1, epsilon):
    """One Adamax step: `m += (g - m)(1 - beta_1)`,
    `u = max(beta_2 * u, |g|)`,
    `w -= lr * m / ((1 - beta_1^t) * (u + epsilon))`."""
    _moment(momentums, grads, one_minus_beta_1)
    torch._foreach_mul_(norms, beta_2)
    torch._foreach_maximum_(norms, torch._foreach_abs(grads))
    denominator = torch._foreach_add(norms, epsilon)
    torch._foreach_mul_(denominator, bias_correction_1)
    delta = torch._foreach_mul(momentums, learning_rate)
    torch._foreach_div_(delta, denominator)
    torch._foreach_sub_(params, delta)


def tensor(variable):
    """The tensor a kernel updates for a Keras variable."""
    from kerasoptim import _compat

    return _compat.torch_tensor(variable)


def refusal(variables, grads=None):
    """Why these variables (and gradients) cannot take a kernel, or None."""
    from kerasoptim import _compat

    if _compat.in_stateless_scope():
        return ("the step runs inside `stateless_apply`, where kernels may "
                "not write in place")
    for i, variable in enumerate(variables):
        if variable.dtype not in DTYPES:
            return f"variable {variable.path!r} has dtype {variable.dtype}"
        gradient = grads[i] if grads is not None else None
        if gradient is None:
            continue
        if gradient.is_sparse:
            return f"the gradient of {variable.path!r} is sparse"
        if tuple(gradient.shape) != tuple(variable.shape):
            return (f"the gradient of {variable.path!r} has shape "
                    f"{tuple(gradient.shape)}, the variable "
                    f"{tuple(variable.shape)}")
    return None


def run(kernel, *lists, **scalars):
    """Call `kernel` with its scalars as Python floats."""
    kernel(*lists, **{name: scalar(v) for name, v in scalars.items()})
