"""Who works for whom: each person's employer, when their pay was last settled and
since when they have been out of work; each employer's headcount and permits in
use. ``Jobs`` is the only writer of both sides, so they always agree."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from migsim.people.book import FAR, NEVER, PersonBook


class Jobs(PersonBook):
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {
        "employer": (np.int32, -1),
        "paid_through": (np.int32, 0),  # wages are settled for days before this one
        "idle_since": (np.int32, FAR),  # a seasonal worker out of work since; FAR otherwise
        "dismissed_day": (np.int32, NEVER),  # last let go by an employer
    }
    KEPT = ("dismissed_day",)

    def __init__(self, n_employers: int):
        super().__init__()
        self.employed = np.zeros(n_employers, dtype=np.int64)  # per employer, agents
        self.permits_used = np.zeros(n_employers, dtype=np.int64)

    def workers(self, n: int) -> np.ndarray:
        """Slots of everyone holding a job among the first ``n``, in order (only
        people present hold one: a job ends when its holder leaves or is detained).
        Reading the array in order is faster than picking the present first."""
        return np.flatnonzero(self.employer[:n] >= 0)

    def out_of_work(self, n: int) -> np.ndarray:
        """Slots of seasonal workers out of work (and the detained, who lost
        their job) among the first ``n``, in order; as of the morning's departures,
        people who went home today may still be among them."""
        return np.flatnonzero(self.idle_since[:n] < FAR)

    def look_for_work(self, slots: np.ndarray, t: int) -> None:
        self.idle_since[slots] = t

    def not_looking(self, slots: np.ndarray) -> None:
        self.idle_since[slots] = FAR

    def hire(self, workers: np.ndarray, jobs: np.ndarray, with_permit: np.ndarray, t: int) -> None:
        n = len(self.employed)
        self.employer[workers] = jobs
        self.idle_since[workers] = FAR
        self.paid_through[workers] = t  # paid from the day of hiring
        self.employed += np.bincount(jobs, minlength=n)
        self.permits_used += np.bincount(jobs[with_permit], minlength=n)

    def settled(self, slots: np.ndarray, until: int) -> None:
        self.paid_through[slots] = until

    def end(self, slots: np.ndarray, with_permit: np.ndarray, t: int, dismissed: bool) -> None:
        """The jobs of these people end today (they all hold one)."""
        if dismissed:
            self.dismissed_day[slots] = t
        n = len(self.employed)
        emp = self.employer[slots]
        self.employed -= np.bincount(emp, minlength=n)
        self.permits_used -= np.bincount(emp[with_permit], minlength=n)
        self.employer[slots] = -1
        self.idle_since[slots] = t  # only seasonal workers hold jobs
