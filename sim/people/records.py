"""What the police hold on each person: offences on record, detention, entry bans
and the last shake-down. ``PoliceRecords`` is the only writer."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.people.book import NEVER, PersonBook


class PoliceRecords(PersonBook):
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {
        "violations": (np.int16, 0),  # fines and deportations on record
        "detained_until": (np.int32, NEVER),
        "ban_until": (np.int32, NEVER),
        "extorted_day": (np.int32, NEVER),
    }

    def record_violation(self, slots: np.ndarray) -> None:
        self.violations[slots] += 1

    def extorted(self, slots: np.ndarray, t: int) -> None:
        self.extorted_day[slots] = t

    def detain(self, slots: np.ndarray, until: int) -> None:
        self.detained_until[slots] = until

    def deport(self, slots: np.ndarray, ban_until: int) -> None:
        self.ban_until[slots] = ban_until
        self.detained_until[slots] = NEVER
