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


# -- moments stored in a 16-bit dtype (`moment_dtype`) -------------------------
def numpy_dtype(name):
    """NumPy's dtype for a Keras dtype name (bfloat16: ml_dtypes')."""
    if name == "bfloat16":
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def moment_dtype_run(algorithm, weights, grad_seq, *, moment_dtype,
                     weight_dtype="float32", lr=0.001, beta_1=0.9,
                     beta_2=0.999, epsilon=1e-7, amsgrad=False,
                     weight_decay=None, lazy=None, numbers_via_float32=False):
    """Adam, AMSGrad, AdamW, Adamax or LazyAdam (`algorithm`: "adam",
    "adamax" or "lazy_adam") with the moments stored in `moment_dtype`
    ("bfloat16", "float16", "float32"; None: the weights' dtype, the math
    in it too).

    With `moment_dtype` set, each step is computed in float32 (float64 for
    float64 weights): the gradient, the weights and the stored moments are
    widened, the new moments computed and stored rounded to nearest even
    (NumPy's and ml_dtypes' casts) into `moment_dtype`; the step goes on
    with the unrounded values (AMSGrad: `v_hat = max(widened stored v_hat,
    unrounded v)`, the weights moved with the unrounded m and v or v_hat),
    and the new weights are rounded to `weight_dtype`. AdamW's decoupled
    decay `w - w * wd * lr` comes first, in the weights' own dtype (LazyAdam:
    on the rows that take part, in the math dtype). The moments follow
    Keras' increment form, `m + (g - m)(1 - beta_1)`, `v + (g^2 - v)(1 -
    beta_2)`, `1 - beta` formed in double precision.

    LazyAdam (`lazy[i]`, every variable by default, is updated by rows):
    a row takes part if its gradient slice is not entirely zero; the other
    rows keep their weights and stored moments. A gradient may be a sparse
    `(indices, values)` pair (repeats summed). Returns the weights (in
    `weight_dtype`) and per-variable dicts of the stored moments (in
    `moment_dtype`): m, v, v_hat or m, u.

    The learning rate is rounded to float32 first (Keras keeps it in a
    float32 variable). `numbers_via_float32`: the other Python numbers
    (betas, `1 - beta`, epsilon, weight decay) reach a float64 step rounded
    to float32 first, as TensorFlow's `tf.cast` of a Python float (through
    a float32 tensor) gives them; no effect on a float32 step.
    """
    wdt = numpy_dtype(weight_dtype)
    if moment_dtype is None:
        mdt = math = wdt
    else:
        mdt = numpy_dtype(moment_dtype)
        math = np.dtype("float64" if wdt == np.float64 else "float32")
    f = math.type
    keys = ("m", "u") if algorithm == "adamax" else ("m", "v", "v_hat")
    weights = [np.asarray(w).astype(wdt) for w in weights]
    states = [{k: np.zeros(w.shape, mdt) for k in keys} for w in weights]
    lazy = ([True] * len(weights) if lazy is None else list(lazy)) \
        if algorithm == "lazy_adam" else [False] * len(weights)
    def number(x, dtype=math):
        return dtype.type(np.float32(x) if numbers_via_float32 else x)

    b1, c1 = number(beta_1), number(1 - beta_1)
    b2, c2 = number(beta_2), number(1 - beta_2)
    # Keras keeps the learning rate in a float32 variable.
    lr = np.float32(lr)
    eps, lr_m, one = number(epsilon), f(lr), f(1)
    for it, grads in enumerate(grad_seq):
        t = f(it + 1)
        alpha = lr_m * np.sqrt(one - b2 ** t) / (one - b1 ** t)
        for i, g in enumerate(grads):
            w = weights[i]
            if isinstance(g, tuple):  # sparse: (indices, values)
                dense = np.zeros(w.shape, math)
                np.add.at(dense, np.asarray(g[0]), np.asarray(g[1], math))
                g = dense
            g = np.asarray(g).astype(math)
            if lazy[i] or algorithm == "lazy_adam" and isinstance(
                    grads[i], tuple):
                rows = np.any(g.reshape(g.shape[:1] + (-1,)) != 0, axis=1) \
                    if g.ndim else np.array(True)
            else:
                rows = None
            state = states[i]
            if rows is None:
                if weight_decay:
                    w = w - w * number(weight_decay, wdt) * wdt.type(lr)
                sel = slice(None)
                w_math = w.astype(math)
            else:
                sel = rows if g.ndim else ()
                w_math = w[sel].astype(math)
                if weight_decay:
                    w_math = w_math - w_math * number(weight_decay) * lr_m
                w = w.copy()
            g = g[sel]
            old = {k: state[k][sel].astype(math) for k in keys}
            new = {}
            m = old["m"] + (g - old["m"]) * c1
            new["m"] = m
            if algorithm == "adamax":
                u = np.maximum(b2 * old["u"], np.abs(g))
                new["u"] = u
                w_math = w_math - (lr_m * m) / ((one - b1 ** t) * (u + eps))
            else:
                v = old["v"] + (g * g - old["v"]) * c2
                new["v"] = v
                if amsgrad:
                    v = np.maximum(old["v_hat"], v)
                    new["v_hat"] = v
                w_math = w_math - (m * alpha) / (np.sqrt(v) + eps)
            for k, value in new.items():
                state[k][sel] = value.astype(mdt)
            if rows is None:
                weights[i] = w_math.astype(wdt)
            else:
                w[sel] = w_math.astype(wdt)
                weights[i] = w
    return weights, states


def ulp_distance(a, b):
    """Element-wise distance of `a` from `b` in ulps of their own (common)
    dtype (float16, bfloat16, float32 or float64): how many representable
    numbers lie between them, +1 (0 for equal values, -0 == +0; NaN at the
    same places counts 0, elsewhere is infinitely far)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    bits = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]

    def ordered(x):
        i = np.ascontiguousarray(x).view(bits).astype(np.int64)
        sign = np.int64(1) << (8 * a.dtype.itemsize - 1)
        return np.where(i < 0, -(i + sign), i)

    nan_a, nan_b = np.isnan(a.astype(np.float64)), np.isnan(
        b.astype(np.float64))
    d = np.abs(ordered(a) - ordered(b)).astype(np.float64)
    d = np.where(nan_a & nan_b, 0.0, d)
    return np.where(nan_a ^ nan_b, np.inf, d)
