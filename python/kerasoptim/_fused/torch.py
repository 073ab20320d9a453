"""PyTorch fast path: one multi-tensor kernel call for all variables.

Adam and AdamW use `torch._fused_adam_`, fed a learning rate and an epsilon
adjusted to Keras' math: torch computes
`lr_t / bc1_t * m / (sqrt(v) / sqrt(bc2_t) + eps_t)` with bias corrections
`bc_t = 1 - beta^t` in double precision; Keras computes
`lr * sqrt(bc2) / bc1 * m / (sqrt(v) + eps)` with `bc = 1 - beta^t` formed
in the variable's precision (float32). They are equal for
`eps_t = eps / sqrt(bc2_t)` and `lr_t = lr * sqrt(bc2) / bc1 * bc1_t /
sqrt(bc2_t)`.
Adamax (no fused kernel) uses `torch._foreach_*` ops. Decoupled weight
decay goes into the Adam kernel (AdamW mode) when it covers every variable,
else runs first as one multi-tensor pass (`decay()`).
"""

import math

import numpy as np
import torch
from keras import ops
from keras.src.backend import in_stateless_scope


def _keras_bias_correction(beta, step, dtype):
    """`1 - beta^step` as Keras forms it, in the variable's precision."""
    one, beta = np.array(1, dtype), np.array(beta, dtype)
    return float(one - np.power(beta, np.array(step, dtype)))


def _plain(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _takes(optimizer, kind, grads, params):
    """Whether the fast path can take this step."""
    if kind is None:
        return False
    if not (_plain(optimizer.beta_1) and _plain(optimizer.beta_2)):
        return False
    dtype = params[0].dtype
    return dtype in (torch.float32, torch.float64) and all(
        p.dtype == dtype and isinstance(g, torch.Tensor) and not g.is_sparse
        and g.dtype == dtype and g.shape == p.shape
        for p, g in zip(params, grads))


def _tensor(variable):
    """The torch tensor a Keras variable holds, the one in-place kernels must
    write (`.value` also checks scopes, costly for hundreds of variables and
    under autocast a copy; the fast path never runs in a stateless scope)."""
    return variable._value


def _slots(optimizer, slots, variables):
    return [_tensor(slots[optimizer._get_variable_index(v)])
            for v in variables]


@torch.no_grad()
def step(optimizer, grads, variables, learning_rate, decayed=(), kind=None):
    """Decay `decayed`, then update all `variables`; the decay goes into the
    Adam kernel when it covers every variable. `kind` ('adam', 'adamax')
    overrides the optimizer's own. False if the fast path can't take this
    step."""
    kind = kind or optimizer._fused_kind
    if in_stateless_scope():  # stateless_apply: in-place kernels would
        return False          # overwrite its inputs
    params = [_tensor(v) for v in variables]
    grads = list(grads)
    if not params or not _takes(optimizer, kind, grads, params):
        return False
    fold = (kind == "adam" and
            {id(v) for v in decayed} == {id(v) for v in variables})
    if not fold:
        decay(optimizer, decayed)
    lr = float(ops.convert_to_numpy(learning_rate))
    t = int(ops.convert_to_numpy(optimizer.iterations)) + 1
    b1, b2, eps = optimizer.beta_1, optimizer.beta_2, optimizer.epsilon
    np_dtype = str(params[0].dtype).replace("torch.", "")
    bc1 = _keras_bias_correction(b1, t, np_dtype)
    if kind == "adamax":
        m = _slots(optimizer, optimizer._m, variables)
        u = _slots(optimizer, optimizer._u, variables)
        torch._foreach_lerp_(m, grads, 1 - b1)
        torch._foreach_mul_(u, b2)
        torch._foreach_maximum_(u, torch._foreach_abs(grads))
        torch._foreach_addcdiv_(params, m, torch._foreach_add(u, eps),
                                value=-lr / bc1)
        return True
    v_hats = (_slots(optimizer, optimizer._velocity_hats, variables)
              if optimizer.amsgrad else [])
    bc2 = _keras_bias_correction(b2, t, np_dtype)
    bc1_t, bc2_t = 1 - b1 ** t, 1 - b2 ** t
    lr_t = lr * math.sqrt(bc2) / bc1 * bc1_t / math.sqrt(bc2_t)
    # The AdamW kernel decays `w -= lr_t * wd_t * w`: wd_t makes it lr * wd.
    kernel, wd_t = ((torch._fused_adamw_, optimizer.weight_decay * lr / lr_t)
                    if fold else (torch._fused_adam_, 0.0))
    steps = [torch.tensor(float(t))] * len(params)
    kernel(
        params, grads, _slots(optimizer, optimizer._momentums, variables),
        _slots(optimizer, optimizer._velocities, variables), v_hats, steps,
        lr=lr_t, beta1=b1, beta2=b2, weight_decay=wd_t,
        eps=eps / math.sqrt(bc2_t),
        amsgrad=optimizer.amsgrad,
        maximize=False)
    return True


@torch.no_grad()
def decay(optimizer, variables):
    """Decoupled weight decay `w -= w * (weight_decay * lr)`, all at once;
    in `stateless_apply` by assignment, which leaves its inputs alone."""
    if in_stateless_scope():
        lr = optimizer.learning_rate
        for v in variables:
            v.assign(v - v * ops.cast(optimizer.weight_decay, v.dtype)
                     * ops.cast(lr, v.dtype))
        return True
    params = [_tensor(v) for v in variables]
    if params:
        lr = float(ops.convert_to_numpy(optimizer.learning_rate))
        torch._foreach_add_(params, params,
                            alpha=-(optimizer.weight_decay * lr))
    return True
