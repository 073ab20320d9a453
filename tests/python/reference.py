"""NumPy reference implementations, written from the papers.

Adam and AMSGrad: Kingma & Ba (2014), Algorithm 1 with the "epsilon hat"
form of the update given just before section 2.1; Reddi et al. (2018).
AdamW: Loshchilov & Hutter (2019), the decoupled decay applied (as Keras
does) before the Adam step, scaled by the learning rate. Adamax: Kingma & Ba
(2014), section 7.1, epsilon added to the infinity norm as Keras places it.
Around the update: gradient clipping, loss-scale unscaling, gradient
accumulation and an exponential moving average of the weights, in the order
Keras documents. Everything runs in the variables' dtype (float32).
"""

import numpy as np


def _f32(beta):
    """`(beta, 1 - beta)` in float32, `1 - beta` formed exactly first."""
    return np.float32(beta), np.float32(1 - beta)


def adam_step(w, g, state, t, lr, b1, b2, eps, amsgrad=False):
    """One Adam/AMSGrad step; `state` holds m, v (and v_hat)."""
    (b1, c1), (b2, c2) = _f32(b1), _f32(b2)
    m = b1 * state["m"] + c1 * g
    v = b2 * state["v"] + c2 * g * g
    state["m"], state["v"] = m, v
    if amsgrad:
        state["v_hat"] = np.maximum(state["v_hat"], v)
        v = state["v_hat"]
    lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return w - lr_t * m / (np.sqrt(v) + eps)


def adamax_step(w, g, state, t, lr, b1, b2, eps):
    """One Adamax step; `state` holds m and u (the infinity norm)."""
    (b1, c1), b2 = _f32(b1), np.float32(b2)
    state["m"] = b1 * state["m"] + c1 * g
    state["u"] = np.maximum(b2 * state["u"], np.abs(g))
    return w - lr * state["m"] / ((1 - b1 ** t) * (state["u"] + eps))


def clip(grads, clipnorm=None, clipvalue=None, global_clipnorm=None):
    """Keras' three clipping options."""
    if clipnorm:
        return [g * clipnorm / max(np.sqrt(np.sum(g * g)), clipnorm)
                for g in grads]
    if global_clipnorm:
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * global_clipnorm / max(norm, global_clipnorm)
                for g in grads]
    if clipvalue:
        return [np.clip(g, -clipvalue, clipvalue) for g in grads]
    return grads


def run(algorithm, weights, grad_seq, *, lr=0.001, lr_fn=None, beta_1=0.9,
        beta_2=0.999, epsilon=1e-7, amsgrad=False, weight_decay=None,
        clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
        ema_momentum=0.99, ema_overwrite_frequency=None,
        loss_scale_factor=None, gradient_accumulation_steps=None):
    """Apply `grad_seq` (a list of per-step gradient lists) to `weights`.

    `lr_fn(iteration)` gives the learning rate of a schedule. Returns the
    final weights and the per-variable state dicts (m, v, v_hat or m, u).
    """
    f32 = np.float32
    weights = [np.array(w, dtype=f32) for w in weights]
    if algorithm == "adamax":
        states = [dict(m=np.zeros_like(w), u=np.zeros_like(w))
                  for w in weights]
    else:
        states = [dict(m=np.zeros_like(w), v=np.zeros_like(w),
                       v_hat=np.zeros_like(w)) for w in weights]
    accumulated = [np.zeros_like(w) for w in weights]
    averages = [w.copy() for w in weights]
    k = gradient_accumulation_steps or 1
    for it, grads in enumerate(grad_seq):
        grads = [np.asarray(g, dtype=f32) for g in grads]
        if loss_scale_factor:
            grads = [g / f32(loss_scale_factor) for g in grads]
        step_lr = f32(lr_fn(it) if lr_fn else lr)
        if (it + 1) % k:
            accumulated = [a + g for a, g in zip(accumulated, grads)]
        else:
            if k > 1:
                grads = [(g + a) / f32(k) for g, a in zip(grads, accumulated)]
                accumulated = [np.zeros_like(a) for a in accumulated]
            grads = clip(grads, clipnorm, clipvalue, global_clipnorm)
            if weight_decay:
                weights = [w - w * f32(weight_decay) * step_lr
                           for w in weights]
            t = f32(it // k + 1)
            b1, b2 = beta_1, beta_2
            for i, (w, g) in enumerate(zip(weights, grads)):
                if algorithm == "adamax":
                    weights[i] = adamax_step(w, g, states[i], t, step_lr, b1,
                                             b2, f32(epsilon))
                else:
                    weights[i] = adam_step(w, g, states[i], t, step_lr, b1,
                                           b2, f32(epsilon), amsgrad)
        if use_ema:
            done = it // k  # Keras counts EMA in accumulated iterations
            mom = f32(ema_momentum) if done else f32(0)
            averages = [mom * a + (1 - mom) * w
                        for a, w in zip(averages, weights)]
            if ema_overwrite_frequency and (done + 1) % \
                    ema_overwrite_frequency == 0:
                weights = [a.copy() for a in averages]
    return weights, states, averages


def lazy_adam_run(weights, grad_seq, *, lazy=None, lr=0.001, lr_fn=None,
                  beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                  weight_decay=None, gradient_accumulation_steps=None):
    """LazyAdam, written from its rule. A variable is updated by rows if it
    is lazy (`lazy[i]`; every variable by default) or its gradient is
    sparse; the others take the AdamW/Adam/AMSGrad step on every row. In a
    variable updated by rows, a row (a slice along the first axis, an
    element of a 1-D variable) takes part only if its gradient slice is not
    entirely zero; rows that take part get the step, the others keep their
    weights, m, v and v_hat.

    A gradient is a dense array or a sparse `(indices, values)` pair
    (repeated indices summed: a listed row whose slice sums to zero does
    not take part); a step of `grad_seq` may be a function of the current
    weights that returns its gradients (a model's backward pass). With
    gradient accumulation the gradients are summed densely (no longer
    sparse) and the rule applies to their average.
    Returns the final weights and the per-variable state dicts.
    """
    f32 = np.float32
    weights = [np.array(w, dtype=f32) for w in weights]
    lazy = [True] * len(weights) if lazy is None else list(lazy)
    states = [dict(m=np.zeros_like(w), v=np.zeros_like(w),
                   v_hat=np.zeros_like(w)) for w in weights]
    k = gradient_accumulation_steps or 1
    accumulated = [np.zeros_like(w) for w in weights]
    for it, grads in enumerate(grad_seq):
        if callable(grads):
            grads = grads([w.copy() for w in weights])
        dense, by_rows = [], []
        for w, g, is_lazy in zip(weights, grads, lazy):
            if isinstance(g, tuple):
                d = np.zeros_like(w)
                np.add.at(d, np.asarray(g[0]), np.asarray(g[1], f32))
            else:
                d = np.asarray(g, dtype=f32)
            dense.append(d)
            by_rows.append(is_lazy or (isinstance(g, tuple) and k == 1))
        step_lr = f32(lr_fn(it) if lr_fn else lr)
        if k > 1:
            if (it + 1) % k:
                accumulated = [a + g for a, g in zip(accumulated, dense)]
                continue
            dense = [(g + a) / f32(k) for g, a in zip(dense, accumulated)]
            accumulated = [np.zeros_like(a) for a in accumulated]
        t = f32(it // k + 1)
        for i, g in enumerate(dense):
            rows = np.any(g.reshape(g.shape[:1] + (-1,)) != 0, axis=1) \
                if by_rows[i] else np.ones(g.shape[:1], dtype=bool)
            w = weights[i]
            if weight_decay:
                w[rows] = w[rows] - w[rows] * f32(weight_decay) * step_lr
            state = {key: s[rows] for key, s in states[i].items()}
            w[rows] = adam_step(w[rows], g[rows], state, t, step_lr, beta_1,
                                beta_2, f32(epsilon), amsgrad)
            for key, value in state.items():
                states[i][key][rows] = value
    return weights, states


def inverse_time_decay(lr, decay, iteration):
    """TF2's `decay` argument: the learning rate of the step that follows
    `iteration` earlier steps, `lr / (1 + decay * iteration)`."""
    return lr / (1.0 + decay * iteration)
