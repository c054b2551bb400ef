"""What the police hold on each person (offences on record, detention, entry
bans) and what each person went through with the police this stay (catches,
money paid, how they entered). ``PoliceRecords`` is the only writer."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from migsim.people.book import NEVER, PersonBook


class PoliceRecords(PersonBook):
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {
        "violations": (np.int16, 0),  # migration offences on record: fines and detentions
        "detained_until": (np.int32, NEVER),  # paperwork done, may be put on transport
        "ban_until": (np.int32, NEVER),
        "extorted_day": (np.int32, NEVER),
        "last_bribe_usd": (np.float64, 0.0),
        # this stay (cleared on entry)
        "evaded_ban": (np.bool_, False),  # entered on a bypass road while banned
        "catches": (np.int16, 0),
        "catches_unregistered": (np.int16, 0),
        "paid_police_usd": (np.float64, 0.0),  # bribes and fines paid
    }
    KEPT = ("violations", "ban_until", "extorted_day", "last_bribe_usd")

    def start_stay(self, slots: np.ndarray, evading: np.ndarray) -> None:
        self.evaded_ban[slots] = evading
        self.catches[slots] = 0
        self.catches_unregistered[slots] = 0
        self.paid_police_usd[slots] = 0.0

    def caught(self, slots: np.ndarray, unregistered: np.ndarray) -> None:
        self.catches[slots] += 1
        self.catches_unregistered[slots[unregistered]] += 1

    def record_violation(self, slots: np.ndarray) -> None:
        self.violations[slots] += 1

    def paid(self, slots: np.ndarray, amounts: np.ndarray | float) -> None:
        self.paid_police_usd[slots] += amounts

    def extorted(self, slots: np.ndarray, amounts: np.ndarray, t: int) -> None:
        self.extorted_day[slots] = t
        self.last_bribe_usd[slots] = amounts
        self.paid_police_usd[slots] += amounts

    def detain(self, slots: np.ndarray, until: int) -> None:
        self.detained_until[slots] = until

    def deport(self, slots: np.ndarray, ban_until: int) -> None:
        self.ban_until[slots] = ban_until
        self.detained_until[slots] = NEVER
