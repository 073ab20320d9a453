"""kerasoptim: Adam, AdamW, Adamax and LazyAdam for Keras 3, the same from R
and Python."""

from kerasoptim._base import AdamFamily
from kerasoptim.adam import Adam
from kerasoptim.adamax import Adamax
from kerasoptim.adamw import AdamW
from kerasoptim.lazy_adam import LazyAdam
from kerasoptim.factories import (
    optimizer_adam,
    optimizer_adam_w,
    optimizer_adamax,
    optimizer_lazy_adam,
)

__version__ = "0.1.0"

__all__ = [
    "Adam",
    "AdamFamily",
    "AdamW",
    "Adamax",
    "LazyAdam",
    "optimizer_adam",
    "optimizer_adam_w",
    "optimizer_adamax",
    "optimizer_lazy_adam",
]
