"""TensorFlow kernels: Keras' Adam-family math over lists of `tf.Variable`s.

Pure functions: each takes lists of weights and slots (`tf.Variable`s),
gradients (tensors of the weights' dtype) and this step's scalars (0-d
tensors of that dtype), and never sees an optimizer. Each runs the plain
`keras.ops` path's operations in the same order with the same TensorFlow
kernels, so it rounds exactly as that path does, in every dtype.

Inside a traced function (`fit()`) a kernel is traced inline. Executed
eagerly, `run()` runs it as TensorFlow graphs (not XLA: no compile), each
over up to `GROUP` variables of one shape, which spares each operation the
eager dispatch. The scalars are inputs of those graphs, so a new learning
rate, beta or epsilon costs nothing; graphs are cached by structure alone
(kernel, shapes and dtypes), at most `CACHE_SIZE` of them.
"""

import collections

import tensorflow as tf

CACHE_SIZE = 256
GROUP = 16
# TensorFlow graphs round 16-bit floats otherwise than its eager ops (a
# graph keeps some float32 intermediates): those take the plain path.
DTYPES = ("float32", "float64")


def decay(params, *, learning_rate, weight_decay):
    """Decoupled weight decay `w <- w - w * weight_decay * learning_rate`."""
    for w in params:
        w.assign_sub(w * weight_decay * learning_rate)


def _moment(moment, gradient, one_minus_beta):
    moment.assign_add((gradient - moment) * one_minus_beta)


def adam(params, grads, momentums, velocities, velocity_hats, *, alpha,
         one_minus_beta_1, one_minus_beta_2, epsilon):
    """One Adam step (Keras' epsilon-hat placement):
    `m += (g - m)(1 - beta_1)`, `v += (g^2 - v)(1 - beta_2)`,
    (`v_hat = max(v_hat, v)` when `velocity_hats` is not empty),
    `w -= m * alpha / (sqrt(v) + epsilon)`."""
    hats = velocity_hats or [None] * len(params)
    for w, g, m, v, v_hat in zip(params, grads, momentums, velocities, hats):
        _moment(m, g, one_minus_beta_1)
        _moment(v, tf.square(g), one_minus_beta_2)
        if v_hat is not None:
            v_hat.assign(tf.maximum(v_hat, v))
            v = v_hat
        w.assign_sub(m * alpha / (tf.sqrt(v) + epsilon))


def adamax(params, grads, momentums, norms, *, learning_rate,
           one_minus_beta_1, beta_2, bias_correction_1, epsilon):
    """One Adamax step: `m += (g - m)(1 - beta_1)`,
    `u = max(beta_2 * u, |g|)`,
    `w -= lr * m / ((1 - beta_1^t) * (u + epsilon))`."""
    for w, g, m, u in zip(params, grads, momentums, norms):
        _moment(m, g, one_minus_beta_1)
        u.assign(tf.maximum(beta_2 * u, tf.abs(g)))
        w.assign_sub(learning_rate * m / (bias_correction_1 * (u + epsilon)))


def tensor(variable):
    """The `tf.Variable` a kernel updates for a Keras variable."""
    return variable.value if hasattr(variable, "_value") else variable


def refusal(variables, grads=None):
    """Why these variables (and gradients) cannot take a kernel, or None."""
    if tf.distribute.has_strategy():
        return ("a `tf.distribute` strategy is in scope (Keras' distributed "
                "update runs)")
    for i, variable in enumerate(variables):
        if isinstance(tensor(variable), tf.distribute.DistributedValues):
            return f"variable {variable.path!r} is a distributed variable"
        if variable.dtype not in DTYPES:
            return f"variable {variable.path!r} has dtype {variable.dtype}"
        gradient = grads[i] if grads is not None else None
        if gradient is None:
            continue
        if not isinstance(gradient, tf.Tensor):
            return (f"the gradient of {variable.path!r} is a "
                    f"{type(gradient).__name__}")
        if tuple(gradient.shape) != tuple(variable.shape):
            return (f"the gradient of {variable.path!r} has shape "
                    f"{tuple(gradient.shape)}, the variable "
                    f"{tuple(variable.shape)}")
    return None


_programs = collections.OrderedDict()


def _structure(value):
    """What a traced graph depends on: shapes and dtypes, never identity."""
    if isinstance(value, (list, tuple)):
        return tuple(_structure(v) for v in value)
    if isinstance(value, (tf.Variable, tf.Tensor)):
        return (tuple(value.shape), value.dtype.name,
                isinstance(value, tf.Variable))
    return value


def run(kernel, *lists, **scalars):
    """`kernel(*lists, **scalars)`: traced inline inside a graph; eagerly,
    as cached TensorFlow graphs over at most `GROUP` variables of one shape
    and dtype each, so that tracing costs what the distinct shapes cost,
    not what the variables do (2,000 variables would take minutes)."""
    if not tf.executing_eagerly() or kernel is decay:
        # Grappler's MinimizeBroadcasts turns a graph's `(w * wd) * lr` into
        # `w * (wd * lr)`, which rounds otherwise: decay runs op by op.
        return kernel(*lists, **scalars)
    names = tuple(sorted(scalars))
    values = [scalars[n] for n in names]
    groups = collections.defaultdict(list)
    for i in range(len(lists[0])):
        groups[_structure([l[i] for l in lists if l])].append(i)
    for indices in groups.values():
        for start in range(0, len(indices), GROUP):
            chosen = indices[start:start + GROUP]
            _program(kernel, names, [[l[i] for i in chosen] if l else []
                                     for l in lists], values)


def _program(kernel, names, lists, values):
    """Run one cached graph of `kernel` (least recently used dropped)."""
    key = (kernel.__name__, _structure(lists), names, _structure(values))
    program = _programs.pop(key, None)
    if program is None:
        def body(lists, values):
            kernel(*lists, **dict(zip(names, values)))
        program = tf.function(body, autograph=False).get_concrete_function(
            lists, values)
    _programs[key] = program
    while len(_programs) > CACHE_SIZE:
        _programs.popitem(last=False)
    program(lists, values)
