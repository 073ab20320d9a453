"""TensorFlow kernels: Keras' Adam-family math over lists of `tf.Variable`s.

Pure functions: each takes lists of weights and slots (the resource
handles of `tf.Variable`s), gradients (tensors of the weights' dtype) and
this step's scalars (0-d tensors of that dtype), and never sees an
optimizer; `run()` takes the `tf.Variable`s and hands over their handles.
Each runs the plain `keras.ops` path's operations in the same order.

`run()` takes a step's terms and the formula of its scalars (the
optimizer's `_formula`, the plain path's operations), and computes them
inside the program: a step is one call, not a dozen small eager ops and
a call. It runs a kernel as XLA programs, each over up to `GROUP` variables
of one shape and dtype: one fused pass per variable instead of one pass and
one dispatch per operation, eagerly or called from a traced step (`fit()`
without `jit_compile`); a step XLA compiles whole traces it inline.
Executing eagerly, a group first runs as TensorFlow's own ops and gets its
program once those have cost what compiling it does, one group a call at
most (so a model with hundreds of shapes pays no wall of compilations up
front), by the caller's own count. XLA rounds as the operations do, but
for fusing `a * b + c` where it pays: `tests/python/test_fast_paths.py` holds the
programs to `ULPS` of the plain path. The scalars are inputs of the
programs, so a new learning rate, beta or epsilon costs nothing; programs
are cached by structure alone (kernel, shape, dtype and count) and kept
for the life of the process: there are as many as the distinct structures
of the models trained (a bounded cache, cycled in order by a model with
more shapes than it holds, recompiled every program at every step).
"""

import collections
import functools

import tensorflow as tf

from kerasoptim import _compat, _fast, _rows

GROUP = 256
# XLA rounds 16-bit floats otherwise than TensorFlow's eager ops (it keeps
# float32 intermediates): those take the plain path.
DTYPES = ("float32", "float64")


class _Slot:
    """A variable of dtype `stored` seen through its resource handle (what
    the kernels take, so that a program traced over handles never holds a
    variable), read and written as `dtype`: widened on reading, rounded to
    nearest even on writing."""

    def __init__(self, handle, dtype, stored=None):
        self.handle, self.dtype = handle, dtype
        self.stored = stored or dtype

    def read(self):
        value = tf.raw_ops.ReadVariableOp(resource=self.handle,
                                          dtype=self.stored)
        return cast(value, self.dtype.name)

    def write(self, value):
        """Store `value`; return it unrounded (what the step goes on
        with)."""
        tf.raw_ops.AssignVariableOp(resource=self.handle,
                                    value=cast(value, self.stored.name))
        return value


def _slots(handles, dtype, stored=None):
    stored = None if stored is None else tf.as_dtype(stored)
    return [_Slot(h, dtype, stored) for h in handles]


def _decayed(weights, learning_rate, weight_decay):
    """`weights` after decoupled weight decay, `w - w * wd * lr` (the plain
    path's operations), or as they are for `weight_decay=None`."""
    if weight_decay is None:
        return weights
    return weights - weights * weight_decay * learning_rate


def adam(params, grads, momentums, velocities, velocity_hats, *, alpha,
         one_minus_beta_1, one_minus_beta_2, epsilon, learning_rate=None,
         weight_decay=None, moment_dtype=None):
    """One Adam step (Keras' epsilon-hat placement):
    `m += (g - m)(1 - beta_1)`, `v += (g^2 - v)(1 - beta_2)`,
    (`v_hat = max(v_hat, v)` when `velocity_hats` is not empty),
    `w -= m * alpha / (sqrt(v) + epsilon)`, after the decoupled weight decay
    `w -= w * weight_decay * learning_rate` when `weight_decay` is given
    (weights and slots: resource handles; slots of dtype `moment_dtype`,
    None: the weights', computed in the weights' dtype)."""
    _adam(params, grads, momentums, velocities, velocity_hats, alpha,
          one_minus_beta_1, one_minus_beta_2, epsilon, learning_rate,
          weight_decay, moment_dtype, lazy=False)


def lazy_adam(params, grads, momentums, velocities, velocity_hats, *,
              alpha, one_minus_beta_1, one_minus_beta_2, epsilon,
              learning_rate=None, weight_decay=None, moment_dtype=None):
    """LazyAdam's step on dense gradients where their rows cannot be found
    (a traced step): `adam`'s, kept only on the rows that take part (not
    entirely zero); the other rows keep their weights and slots."""
    _adam(params, grads, momentums, velocities, velocity_hats, alpha,
          one_minus_beta_1, one_minus_beta_2, epsilon, learning_rate,
          weight_decay, moment_dtype, lazy=True)


def _new(new, old):
    """`keep` of a step that keeps every new value."""
    return new


def _moment(moment, target, one_minus_beta, keep=_new):
    """`moment <- moment + (target - moment)(1 - beta)` where `keep` keeps
    it; the new value."""
    old = moment.read()
    return moment.write(keep(old + (target - old) * one_minus_beta, old))


def _adam(params, grads, momentums, velocities, velocity_hats, alpha,
          one_minus_beta_1, one_minus_beta_2, epsilon, learning_rate,
          weight_decay, moment_dtype, lazy):
    dtype = alpha.dtype
    hats = _slots(velocity_hats, dtype, moment_dtype) or [None] * len(
        params)
    for w, g, m, v, v_hat in zip(_slots(params, dtype), grads,
                                 _slots(momentums, dtype, moment_dtype),
                                 _slots(velocities, dtype, moment_dtype),
                                 hats):
        keep = functools.partial(tf.where, _rows.row_mask(g)) if lazy \
            else _new
        m = _moment(m, g, one_minus_beta_1, keep)
        v = _moment(v, tf.square(g), one_minus_beta_2, keep)
        if v_hat is not None:
            old = v_hat.read()
            v = v_hat.write(keep(tf.maximum(old, v), old))
        old = w.read()
        weights = _decayed(old, learning_rate, weight_decay)
        w.write(keep(weights - m * alpha / (tf.sqrt(v) + epsilon), old))


def adamax(params, grads, momentums, norms, *, learning_rate,
           one_minus_beta_1, beta_2, bias_correction_1, epsilon,
           weight_decay=None, moment_dtype=None):
    """One Adamax step: `m += (g - m)(1 - beta_1)`,
    `u = max(beta_2 * u, |g|)`,
    `w -= lr * m / ((1 - beta_1^t) * (u + epsilon))`, after the decoupled
    weight decay `w -= w * weight_decay * lr` when `weight_decay` is given
    (weights and slots: resource handles, as in `adam`)."""
    dtype = learning_rate.dtype
    for w, g, m, u in zip(_slots(params, dtype), grads,
                          _slots(momentums, dtype, moment_dtype),
                          _slots(norms, dtype, moment_dtype)):
        m = _moment(m, g, one_minus_beta_1)
        u = u.write(tf.maximum(beta_2 * u.read(), tf.abs(g)))
        weights = _decayed(w.read(), learning_rate, weight_decay)
        w.write(weights - learning_rate * m / (bias_correction_1 *
                                               (u + epsilon)))


def tensor(variable):
    """The `tf.Variable` a kernel updates for a Keras variable."""
    return _compat.backend_tensor(variable)


def dtype(variable):
    """The dtype name of the `tf.Variable` behind a Keras variable."""
    return tensor(variable).dtype.name


def cast(gradient, dtype):
    """`gradient` as `dtype` (itself when it is already: `tf.cast` costs
    ~7 us even then)."""
    return gradient if gradient.dtype.name == dtype else tf.cast(gradient,
                                                                   dtype)


def step_refusal():
    """Why no variable of this step can take a kernel, or None."""
    if tf.distribute.has_strategy():
        return ("a `tf.distribute` strategy is in scope (Keras' distributed "
                "update runs)")
    return None


def variable_refusal(variable, gradient=None):
    """Why `variable` (and its `gradient`) cannot take a kernel, or None."""
    value = tensor(variable)
    if isinstance(value, tf.distribute.DistributedValues):
        return f"variable {_fast.label(variable)} is a distributed variable"
    if value.dtype.name not in DTYPES:
        return (f"variable {_fast.label(variable)} has dtype "
                f"{value.dtype.name} (the kernels take float32 and float64)")
    if gradient is None:
        return None
    if not isinstance(gradient, tf.Tensor):
        return (f"the gradient of {_fast.label(variable)} is a "
                f"{type(gradient).__name__}")
    if gradient.shape != value.shape:
        return (f"the gradient of {_fast.label(variable)} has shape "
                f"{tuple(gradient.shape)}, the variable "
                f"{tuple(value.shape)}")
    return None


_programs = {}
# What tracing and compiling one program costs, in seconds (45 ms for an
# Adam program of any shape on a 2-core x86 machine: 5 ms to trace, 40 ms
# for XLA to compile on the first call; /tmp/exp/trace_cost.py), and what
# running a kernel's TensorFlow ops eagerly costs, per variable and per
# element (0.4 ms and 15 ns there).
COMPILE_SECONDS = 0.045
EAGER_SECONDS = (4e-4, 1.5e-8)


def run(kernel, *lists, ledger=None, formula=None, moment_dtype=None,
        **scalars):
    """`kernel(*lists, **scalars)` over variables grouped by shape and
    dtype, each group as a cached XLA program (one fused pass per variable)
    once it has paid for itself; traced inline where XLA compiles the whole
    step already. With a `formula`, `scalars` are a step's terms (numbers,
    tensors, variables or None) and the kernel takes
    `formula(dtype, **scalars)`, computed inside the program: a step costs
    one call, not a dozen small eager ops first. Slots are of dtype
    `moment_dtype` (None: the weights'), read and written in the same pass.

    Executing eagerly with a `ledger` (the caller's `_fast.Ledger`), a
    group runs as TensorFlow's own ops until those have cost, by an
    estimate from its size, what compiling its program does (ski rental:
    at most twice the cost of knowing in advance); each call moves at most
    one group to its program. So the first steps of a model with hundreds
    of distinct shapes cost what its eager ops cost, no step waits for more
    than one compilation, and which groups run as programs depends on the
    caller's own history alone (the same numbers in every run, whatever
    other optimizers or threads do). Without a ledger, and in a traced step
    (`tf.function`, a `fit()` step without XLA), every group runs as its
    program, compiled as the step is traced."""
    formula = formula or _cast_each
    shapes = [(tuple(w.shape), w.dtype.name) for w in lists[0]]
    lists = [[x.handle if isinstance(x, tf.Variable) else x for x in l]
             for l in lists]
    if not tf.executing_eagerly() and _compat.tf_in_xla_context():
        return kernel(*lists, moment_dtype=moment_dtype,
                      **formula(shapes[0][1], **scalars))
    if not tf.executing_eagerly():
        ledger = None
    groups = collections.defaultdict(list)
    for i, shape in enumerate(shapes):
        groups[shape].append(i)
    present = tuple(bool(l) for l in lists)
    moved = False
    inputs, eager = {}, {}
    for (shape, dtype), indices in groups.items():
        if dtype not in inputs:
            inputs[dtype] = _inputs(scalars, dtype)
        layout, values = inputs[dtype]
        for chosen in _chunks(indices):
            key = (kernel.__name__, formula, layout, present, shape, dtype,
                   len(chosen), moment_dtype)
            chunk = [[l[i] for i in chosen] if l else [] for l in lists]
            if ledger is not None and key not in ledger.programs:
                if moved or _eager_cost(key, ledger.calls[key]) < \
                        COMPILE_SECONDS:
                    ledger.calls[key] += 1
                    if dtype not in eager:
                        eager[dtype] = formula(dtype, **scalars)
                    kernel(*chunk, moment_dtype=moment_dtype, **eager[dtype])
                    continue
                ledger.programs.add(key)
                moved = True
            program = _programs.get(key) or _compile(
                key, functools.partial(kernel, moment_dtype=moment_dtype),
                chunk, values)
            _compat.tf_call_flat(program,
                                 [x for l in chunk for x in l] + values)


def _cast_each(dtype, **scalars):
    """The formula of scalars given as they are: each cast to `dtype`."""
    return {name: tf.cast(value, dtype) for name, value in scalars.items()}


def _inputs(scalars, dtype):
    """`(layout, values)`: how a program takes the terms `scalars` for
    variables of `dtype`, and its inputs this step. The layout (part of a
    program's key) names each term and its kind: None, a number (the
    numbers travel as one `dtype` vector: Python numbers cast as
    `ops.cast` casts them, cached, so that a constant beta costs no op a
    step and a changed one is a new input, never baked into a program), a
    `tf.Variable` (its handle, read inside the program; a variable given
    twice is read once) or a tensor (its dtype and shape)."""
    layout, numbers, values, seen = [], [], [], {}
    for name in sorted(scalars):
        value = scalars[name]
        if value is None:
            kind = None
        elif isinstance(value, (int, float)):
            kind = "number"
            numbers.append(float(value))
        else:
            value = _compat.backend_tensor(value)
            if isinstance(value, tf.Variable) and id(value) in seen:
                # XLA takes a variable once (the decay's learning rate).
                layout.append((name, ("same", seen[id(value)])))
                continue
            if isinstance(value, tf.Variable):
                seen[id(value)] = name
                kind = ("variable", value.dtype.name)
                value = value.handle
            else:
                value = tf.convert_to_tensor(value)
                kind = ("tensor", value.dtype.name,
                        None if value.shape.rank is None  # tf.py_function's
                        else tuple(value.shape))
            values.append(value)
        layout.append((name, kind))
    if numbers:
        values.insert(0, _numbers(tuple(numbers), dtype))
    return tuple(layout), values


_constants = {}


def _numbers(numbers, dtype):
    """`numbers` as one `dtype` vector, made once (outside any graph being
    built) for each set of values seen lately."""
    key = (numbers, dtype)
    vector = _constants.get(key)
    if vector is None:
        if len(_constants) >= 256:  # values that change at every step
            _constants.clear()
        with tf.init_scope():
            vector = _constants[key] = tf.constant(numbers, dtype)
    return vector


def _terms(layout, values):
    """The terms `_inputs` gave as `values`, as a formula takes them
    (inside a program)."""
    values = iter(values)
    numbers = next(values) if any(k == "number" for _, k in layout) \
        else None
    terms, at = {}, 0
    for name, kind in layout:
        if kind is None:
            terms[name] = None
        elif kind == "number":
            terms[name] = numbers[at]
            at += 1
        elif kind[0] == "same":
            terms[name] = terms[kind[1]]
        elif kind[0] == "variable":
            terms[name] = tf.raw_ops.ReadVariableOp(resource=next(values),
                                                    dtype=kind[1])
        else:
            terms[name] = next(values)
    return terms


def _eager_cost(key, calls):
    """What `calls` eager runs of the group `key` have cost (estimated)."""
    shape, count = key[4], key[6]
    per_variable, per_element = EAGER_SECONDS
    elements = 1
    for n in shape:
        elements *= n
    return calls * count * (per_variable + per_element * elements)


def _chunks(indices):
    """`indices` in chunks of a power of two (at most `GROUP`): a group of
    any size takes a few programs, not one per size."""
    start = 0
    while start < len(indices):
        size = min(GROUP, 1 << (len(indices) - start).bit_length() - 1)
        yield indices[start:start + size]
        start += size


def _specs(value):
    """`value` with every tensor replaced by its `tf.TensorSpec`."""
    if isinstance(value, list):
        return [_specs(v) for v in value]
    return tf.TensorSpec(value.shape, value.dtype)


def _compile(key, kernel, lists, values):
    """The XLA program of `kernel` for `key`, compiled now and kept. The
    key holds what the program depends on: kernel, formula, the terms'
    layout, shape, dtype and count, never a value or an object's identity
    (the gradients have the variables' shape and dtype: `variable_refusal`
    and the caller see to it)."""
    formula, layout, dtype = key[1], key[2], key[5]

    def body(lists, values):
        kernel(*lists, **formula(dtype, **_terms(layout, values)))

    # Traced outside any graph being built (a `fit()` step), over handles:
    # the program holds no variable and serves any variables of this
    # structure.
    with tf.init_scope():
        program = tf.function(body, autograph=False, jit_compile=True
                              ).get_concrete_function(*_specs(
                                  [lists, values]))
    _programs[key] = program
    return program
