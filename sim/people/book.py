"""The common shape of a book of per-person arrays: declared fields, grown together."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

NEVER = -(2**30)  # a day index before any run: "no such date"
FAR = 2**30  # a day index after any run


def distinct(slots: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: ``np.unique`` without its overhead, which is
    most of the cost on the few hundred slots a rule handles at a time."""
    ordered = np.sort(slots)
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def key_type(bound: int) -> type:
    """The integer type for keys from 0 to ``bound``: 16 bits when they fit
    (numpy sorts those stably by radix, several times faster, and arithmetic on
    them reads less memory), the platform's integer otherwise."""
    return np.int16 if bound <= np.iinfo(np.int16).max else np.intp


class PersonBook:
    """Per-person arrays declared in ``FIELDS`` (name -> (dtype, value of a new
    person)), grown together when the population grows. ``KEPT`` names the fields
    a person carries home from a stay into the next (their memory); the others are
    set afresh on entry or are not read before they are, so a person at home
    needs only the kept ones (``sim/people/home.py``)."""

    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {}
    KEPT: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        for name, (dtype, fill) in self.FIELDS.items():
            setattr(self, name, np.full(0, fill, dtype=dtype))

    def grow(self, capacity: int) -> None:
        for name, (dtype, fill) in self.FIELDS.items():
            old = getattr(self, name)
            new = np.full(capacity, fill, dtype=dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def kept(self, slots: np.ndarray) -> dict[str, np.ndarray]:
        """These people's kept fields (copies), to wait at home with them."""
        return {name: getattr(self, name)[slots] for name in self.KEPT}

    def restore(self, slots: np.ndarray, kept: dict[str, np.ndarray]) -> None:
        """People back from home take these slots with what they kept."""
        for name in self.KEPT:
            getattr(self, name)[slots] = kept[name]

    def clear(self, slots: np.ndarray) -> None:
        """Free these slots: every field back to a new person's value."""
        for name, (_, fill) in self.FIELDS.items():
            getattr(self, name)[slots] = fill


class DueDates:
    """A calendar of slots by day: who has something falling due on a day (a
    deadline, an expiry), so the day's work looks only at them. Entries may be
    stale (the date was changed since); the owner checks them when they fall due."""

    def __init__(self) -> None:
        self._by_day: dict[int, list[np.ndarray]] = {}

    def add(self, slots: np.ndarray, days: np.ndarray | int) -> None:
        if len(slots) == 0:
            return
        if np.ndim(days) == 0:
            self._by_day.setdefault(int(days), []).append(np.asarray(slots))
            return
        order = np.argsort(days, kind="stable")
        days, slots = np.asarray(days)[order], np.asarray(slots)[order]
        starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
        for a, b in zip(starts, np.r_[starts[1:], len(days)], strict=True):
            self._by_day.setdefault(int(days[a]), []).append(slots[a:b])

    def pop(self, day: int) -> np.ndarray:
        """The slots due on ``day`` (each once), forgotten afterwards."""
        due = self._by_day.pop(day, None)
        if not due:
            return np.zeros(0, dtype=np.int64)
        return distinct(np.concatenate(due) if len(due) > 1 else due[0])
