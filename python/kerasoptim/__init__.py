"""kerasoptim: Adam, AdamW and Adamax for Keras 3, the same from R and Python."""

from kerasoptim.adam import Adam
from kerasoptim.adamax import Adamax
from kerasoptim.adamw import AdamW
from kerasoptim.factories import (
    optimizer_adam,
    optimizer_adam_w,
    optimizer_adamax,
)

__version__ = "0.1.0"

__all__ = [
    "Adam",
    "AdamW",
    "Adamax",
    "optimizer_adam",
    "optimizer_adam_w",
    "optimizer_adamax",
]
