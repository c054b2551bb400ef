"""Who the migrants are and where they are: the population's traits, its place
on the map and its calendar of stays. ``Population`` is the only writer of these
arrays; the decisions that move people live in ``sim/agents/migrant.py``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.draws import truncated_normal
from sim.geography import read_data_csv
from sim.people.book import FAR, NEVER, PersonBook


class Population(PersonBook):
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {
        "group": (np.int8, 0),  # sim.agents.migrant.Group
        "origin": (np.int16, 0),
        "citizenship": (np.int8, 0),
        "male": (np.bool_, False),
        "age": (np.int16, 0),
        "district": (np.int16, -1),  # -1 at home
        "last_district": (np.int16, -1),  # where they last worked (or lived)
        "entered": (np.int32, NEVER),  # day of the current (or last) entry
        "leave_day": (np.int32, FAR),  # planned day of going home
        "ever_present": (np.bool_, False),
        "trips": (np.int16, 0),
        "knows_aid": (np.bool_, False),  # knows of the legal aid centres
        "other_offence": (np.bool_, False),  # broke a law other than the migration rules
    }

    def __init__(self, origins: list[str], status, potential_migrants: int):
        super().__init__()
        self.n = 0
        self._status = status  # the StatusBook, read to know who is present
        rows = read_data_csv("origins.csv")
        order = {o: i for i, o in enumerate(origins)}
        self.origin_weights = np.zeros(len(order))
        self.citizenship_codes = sorted({r["citizenship"] for r in rows})
        self.origin_citizenship = np.zeros(len(order), dtype=np.int8)
        for r in rows:
            self.origin_weights[order[r["id"]]] = float(r["weight"])
            self.origin_citizenship[order[r["id"]]] = self.citizenship_codes.index(r["citizenship"])
        self.origin_weights /= self.origin_weights.sum()
        # People in each origin region who have not yet set off for the first time.
        self.pool = np.floor(potential_migrants * self.origin_weights).astype(np.int64)
        self.completed_stays: list[np.ndarray] = []  # days, of seasonal workers' finished stays
        self._present: np.ndarray | None = None  # cache; reset when anyone enters or leaves
        self.books: list[PersonBook] = [self]  # every book of per-person arrays, grown together

    # ---- queries -------------------------------------------------------------------

    def present(self) -> np.ndarray:
        """Slots of everyone in Kazakhstan now (do not modify the result)."""
        if self._present is None:
            self._present = np.flatnonzero(self._status.status[: self.n] != 0)
        return self._present

    # ---- verbs ---------------------------------------------------------------------

    def add(self, rng: np.random.Generator, count: int, group: int, migrants, awareness: float,
            origins: np.ndarray | None = None) -> np.ndarray:
        """Create ``count`` new people at home, with traits drawn from ``migrants``
        (the scenario's migrant parameters); returns their slots."""
        slots = np.arange(self.n, self.n + count)
        capacity = len(self.group)
        if self.n + count > capacity:
            capacity = max(self.n + count, 2 * capacity, 1024)
            for book in self.books:
                book.grow(capacity)
            self._status.grow(capacity)
        self.n += count
        if origins is None:
            origins = rng.choice(len(self.origin_weights), size=count, p=self.origin_weights)
        m = migrants
        self.group[slots] = group
        self.origin[slots] = origins
        self.citizenship[slots] = self.origin_citizenship[origins]
        self.male[slots] = rng.random(count) < m.share_men
        self.age[slots] = np.rint(truncated_normal(rng, m.age_mean, m.age_sd, m.age_min, m.age_max, count))
        self.knows_aid[slots] = rng.random(count) < awareness
        self.other_offence[slots] = rng.random(count) < m.other_offence_share
        return slots

    def take_from_pool(self, people_by_origin: np.ndarray) -> None:
        if (people_by_origin > self.pool).any():
            raise ValueError("take_from_pool: more people asked of an origin than are left there")
        self.pool -= people_by_origin

    def place(self, slots: np.ndarray, districts: np.ndarray) -> None:
        """People already in the country on the first morning."""
        self._present = None
        self.district[slots] = districts
        self.last_district[slots] = districts
        self.ever_present[slots] = True

    def backdate(self, slots: np.ndarray, entered: np.ndarray) -> None:
        """The entry days of people placed at the start (before the run)."""
        self.entered[slots] = entered

    def arrive(self, slots: np.ndarray, districts: np.ndarray, t: int) -> None:
        self._present = None
        self.district[slots] = districts
        self.entered[slots] = t
        self.ever_present[slots] = True
        self.trips[slots] += 1

    def plan_departure(self, slots: np.ndarray, days: np.ndarray | int) -> None:
        self.leave_day[slots] = days

    def relocate(self, slots: np.ndarray, districts: np.ndarray) -> None:
        self.district[slots] = districts

    def worked_in(self, slots: np.ndarray, districts: np.ndarray) -> None:
        self.last_district[slots] = districts

    def leave(self, slots: np.ndarray, t: int, seasonal: int) -> None:
        """Home again (by departure or deportation): the stay's length is recorded."""
        self.completed_stays.append(t - self.entered[slots[self.group[slots] == seasonal]])
        self._present = None
        self.district[slots] = -1

    def count_trips(self, slots: np.ndarray) -> None:
        self.trips[slots] += 1

    def learn_of_aid(self, slots: np.ndarray) -> None:
        self.knows_aid[slots] = True
