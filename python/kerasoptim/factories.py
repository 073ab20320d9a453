"""The snake_case factories: the R keras3 signatures, in Python.

These are the single source of truth for argument names, order and defaults;
the R wrappers mirror them and a test compares the two mechanically. Arguments
that follow R's `...` are keyword-only here, and `**kwargs` plays `...`.
"""

import inspect

from kerasoptim import _args
from kerasoptim._args import DefaultName
from kerasoptim._docs import document
from kerasoptim.adam import Adam
from kerasoptim.adamax import Adamax
from kerasoptim.adamw import AdamW
from kerasoptim.lazy_adam import LazyAdam


def _build(cls, factory, arguments):
    """Instantiate `cls` from a factory's `locals()`; `kwargs` is spread, and
    the factory's default name (also for `name=None`, as R sends a missing
    name) is made unique as Keras makes names."""
    _args.no_unknown_kwargs(arguments["kwargs"], cls._extra_kwargs,
                            f"{factory}()")
    arguments = _args.passed(arguments)
    if arguments["name"] is None:
        arguments["name"] = inspect.signature(
            globals()[factory]).parameters["name"].default
    arguments["name"] = _args.factory_name(arguments["name"])
    return cls(**arguments)


def optimizer_adam(learning_rate=_args.DEFAULT_LEARNING_RATE,
                   beta_1=0.9, beta_2=0.999,
                   epsilon=1e-07, amsgrad=False, weight_decay=None,
                   clipnorm=None, clipvalue=None, global_clipnorm=None,
                   use_ema=False, ema_momentum=0.99,
                   ema_overwrite_frequency=None, name=DefaultName("adam"), *,
                   loss_scale_factor=None, gradient_accumulation_steps=None,
                   **kwargs):
    """Optimizer that implements the Adam algorithm (returns
    `kerasoptim.Adam`).

    Adam optimization is a stochastic gradient descent method that is based
    on adaptive estimation of first-order and second-order moments.
    """
    return _build(Adam, "optimizer_adam", locals())


def optimizer_adam_w(learning_rate=_args.DEFAULT_LEARNING_RATE,
                     weight_decay=0.004, beta_1=0.9,
                     beta_2=0.999, epsilon=1e-07, amsgrad=False,
                     clipnorm=None, clipvalue=None, global_clipnorm=None,
                     use_ema=False, ema_momentum=0.99,
                     ema_overwrite_frequency=None,
                     name=DefaultName("adamw"), *,
                     loss_scale_factor=None,
                     gradient_accumulation_steps=None, **kwargs):
    """Optimizer that implements the AdamW algorithm (returns
    `kerasoptim.AdamW`).

    Adam with decoupled weight decay (Loshchilov & Hutter, 2019).
    """
    return _build(AdamW, "optimizer_adam_w", locals())


def optimizer_adamax(learning_rate=_args.DEFAULT_LEARNING_RATE,
                     beta_1=0.9, beta_2=0.999,
                     epsilon=1e-07, weight_decay=None, clipnorm=None,
                     clipvalue=None, global_clipnorm=None, use_ema=False,
                     ema_momentum=0.99, ema_overwrite_frequency=None,
                     name=DefaultName("adamax"), *, loss_scale_factor=None,
                     gradient_accumulation_steps=None, **kwargs):
    """Optimizer that implements the Adamax algorithm (returns
    `kerasoptim.Adamax`).

    Adamax is a variant of Adam based on the infinity norm.
    """
    return _build(Adamax, "optimizer_adamax", locals())


def optimizer_lazy_adam(learning_rate=_args.DEFAULT_LEARNING_RATE,
                        beta_1=0.9, beta_2=0.999,
                        epsilon=1e-07, amsgrad=False, weight_decay=None,
                        clipnorm=None, clipvalue=None, global_clipnorm=None,
                        use_ema=False, ema_momentum=0.99,
                        ema_overwrite_frequency=None,
                        name=DefaultName("lazy_adam"), *,
                        loss_scale_factor=None,
                        gradient_accumulation_steps=None, **kwargs):
    """Optimizer that implements the lazy Adam algorithm (returns
    `kerasoptim.LazyAdam`).

    Adam that updates only the rows a gradient touches (a row takes part in
    a step only if it appears in the gradient; the others keep their moments
    and weights); see `kerasoptim.LazyAdam` for the details per backend.
    """
    return _build(LazyAdam, "optimizer_lazy_adam", locals())


for _factory, _cls in ((optimizer_adam, Adam), (optimizer_adam_w, AdamW),
                       (optimizer_adamax, Adamax),
                       (optimizer_lazy_adam, LazyAdam)):
    document(_factory, _cls.__name__)
