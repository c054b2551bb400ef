"""The common shape of a book of per-person arrays: declared fields, grown together."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

NEVER = -(2**30)  # a day index before any run: "no such date"
FAR = 2**30  # a day index after any run


class PersonBook:
    """Per-person arrays declared in ``FIELDS`` (name -> (dtype, value of a new
    person)), grown together when the population grows."""

    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {}

    def __init__(self) -> None:
        for name, (dtype, fill) in self.FIELDS.items():
            setattr(self, name, np.full(0, fill, dtype=dtype))

    def grow(self, capacity: int) -> None:
        for name, (dtype, fill) in self.FIELDS.items():
            old = getattr(self, name)
            new = np.full(capacity, fill, dtype=dtype)
            new[: len(old)] = old
            setattr(self, name, new)
