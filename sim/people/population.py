"""Who the migrants are and where they are: the population's traits, its place
on the map and its calendar of stays. ``Population`` is the only writer of these
arrays, hands out the slots of every book (a slot is free again when its person
is back home: ``rest_at_home``) and keeps the home register of people between
stays; the decisions that move people live in ``sim/agents/migrant.py``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from migsim.draws import truncated_normal
from migsim.geography import read_data_csv
from migsim.people.book import FAR, NEVER, PersonBook
from migsim.people.home import HomeRegister

FREE = -1  # the group of a free slot: no one
SEASONAL = 1  # migsim.agents.migrant.Group.SEASONAL: the only group that comes back


class Population(PersonBook):
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {
        "person": (np.int32, -1),  # who this is: a number for life, whatever slot or row they hold
        "group": (np.int8, FREE),  # migsim.agents.migrant.Group
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
    KEPT = (
        "person",
        "group",
        "origin",
        "citizenship",
        "male",
        "age",
        "last_district",
        "ever_present",
        "trips",
        "knows_aid",
        "other_offence",
    )

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
        self.completed_stays = 0  # seasonal workers' finished stays (agents)
        self.completed_stay_days = 0  # and their days
        self._present: np.ndarray | None = None  # cache; reset when anyone enters or leaves
        self.books: list[PersonBook] = [self]  # every book of per-person arrays, grown together
        self._free = np.zeros(0, dtype=np.int64)  # free slots, in order
        self._home: HomeRegister | None = None  # made once every book has joined ``books``
        self._watched_row = -1  # the followed person's row while at home
        self.watched_snapshot: dict[str, object] = {}  # and what their slot held when they gave it up
        self.people_made = 0  # agents made: in a slot, at home in the register, or forgotten
        self.forgotten = 0  # long-term residents gone home for good
        self.ever_count = 0  # agents ever present during the run
        self.ever_men = 0
        self.ever_age_sum = 0  # years

    # ---- queries -------------------------------------------------------------------

    @property
    def home(self) -> HomeRegister:
        """Known seasonal workers at home between stays (sim/people/home.py)."""
        if self._home is None:
            self._home = HomeRegister(self.books)
        return self._home

    def known(self, book: PersonBook, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Every person the model still knows, in a slot or at home in the
        register (long-term residents who went home are forgotten): their
        ``person`` numbers, in order, and their value of one of ``book``'s kept
        fields."""
        if name not in book.KEPT:
            raise ValueError(f"known: {type(book).__name__}.{name} is not kept at home; expected one of {', '.join(book.KEPT)}")
        in_slots = np.flatnonzero(self.group[: self.n] != FREE)
        ids = np.concatenate([self.person[in_slots], self.home.column(self, "person")])
        values = np.concatenate([getattr(book, name)[in_slots], self.home.column(book, name)])
        order = np.argsort(ids, kind="stable")
        return ids[order], values[order]

    def slots_in_use(self) -> int:
        return self.n - len(self._free)

    def nbytes(self) -> int:
        """Bytes held for people: every book's arrays and the home register."""
        arrays = sum(getattr(book, name).nbytes for book in self.books for name in book.FIELDS)
        return arrays + self._status.status.nbytes + self.home.nbytes()

    def present(self) -> np.ndarray:
        """Slots of everyone in Kazakhstan now (do not modify the result)."""
        if self._present is None:
            self._present = np.flatnonzero(self._status.status[: self.n] != 0)
        return self._present

    # ---- verbs ---------------------------------------------------------------------

    def add(
        self, rng: np.random.Generator, count: int, group: int, migrants, awareness: float, origins: np.ndarray | None = None
    ) -> np.ndarray:
        """Create ``count`` new people at home, with traits drawn from ``migrants``
        (the scenario's migrant parameters); returns their slots."""
        slots = self._take_slots(count)
        self.person[slots] = np.arange(self.people_made, self.people_made + count)
        self.people_made += count
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

    def _take_slots(self, count: int) -> np.ndarray:
        """Free slots first (lowest first), then new ones at the end."""
        reused, self._free = self._free[:count], self._free[count:]
        extra = count - len(reused)
        capacity = len(self.group)
        if self.n + extra > capacity:
            capacity = max(self.n + extra, 2 * capacity, 1024)
            for book in self.books:
                book.grow(capacity)
            self._status.grow(capacity)
        slots = np.concatenate([reused, np.arange(self.n, self.n + extra)])
        self.n += extra
        return slots

    def rest_at_home(self, slots: np.ndarray) -> None:
        """These people are back home (status HOME) and give up their slots:
        seasonal workers' memory goes to the home register (they may come back);
        long-term residents do not come back and are forgotten. A followed person
        is followed into the register and out of it."""
        status = self._status
        if (status.status[slots] != 0).any() or (self.group[slots] == FREE).any():
            raise ValueError("rest_at_home: only people at home leave their slots")
        seasonal = slots[self.group[slots] == SEASONAL]
        self.forgotten += len(slots) - len(seasonal)
        rows = self.home.store([book.kept(seasonal) for book in self.books])
        if status.watched >= 0 and (slots == status.watched).any():
            # what the followed person's slot held (for the story of the day they went home)
            self.watched_snapshot = {f: getattr(b, f)[status.watched].item() for b in self.books for f in b.FIELDS}
            hit = np.flatnonzero(seasonal == status.watched)
            self._watched_row = int(rows[hit[0]]) if len(hit) else -1
            status.watch_away()
        for book in self.books:
            book.clear(slots)
        # both are sorted: a stable sort merges the two runs in linear time
        self._free = np.sort(np.concatenate([self._free, slots]), kind="stable")

    def bring_back(self, rows: np.ndarray) -> np.ndarray:
        """People at home (rows of the register) take slots again, with their
        memory; returns their slots, in the order of ``rows``."""
        slots = self._take_slots(len(rows))
        kept, movers, holes = self.home.take(rows)
        for book, book_kept in zip(self.books, kept, strict=True):
            book.restore(slots, book_kept)
        if self._status.watched == self._status.AWAY:
            hit = np.flatnonzero(rows == self._watched_row)
            if len(hit):
                self._status.watch(int(slots[hit[0]]))
            else:
                moved = np.flatnonzero(movers == self._watched_row)
                if len(moved):
                    self._watched_row = int(holes[moved[0]])
        return slots

    def take_from_pool(self, people_by_origin: np.ndarray) -> None:
        if (people_by_origin > self.pool).any():
            raise ValueError("take_from_pool: more people asked of an origin than are left there")
        self.pool -= people_by_origin

    def _first_presence(self, slots: np.ndarray) -> None:
        first = slots[~self.ever_present[slots]]
        self.ever_count += len(first)
        self.ever_men += int(self.male[first].sum())
        self.ever_age_sum += int(self.age[first].sum())
        self.ever_present[first] = True

    def place(self, slots: np.ndarray, districts: np.ndarray) -> None:
        """People already in the country on the first morning."""
        self._present = None
        self._first_presence(slots)
        self.district[slots] = districts
        self.last_district[slots] = districts

    def backdate(self, slots: np.ndarray, entered: np.ndarray) -> None:
        """The entry days of people placed at the start (before the run)."""
        self.entered[slots] = entered

    def arrive(self, slots: np.ndarray, districts: np.ndarray, t: int) -> None:
        self._present = None
        self.district[slots] = districts
        self.entered[slots] = t
        self._first_presence(slots)
        self.trips[slots] += 1

    def plan_departure(self, slots: np.ndarray, days: np.ndarray | int) -> None:
        self.leave_day[slots] = days

    def relocate(self, slots: np.ndarray, districts: np.ndarray) -> None:
        self.district[slots] = districts

    def worked_in(self, slots: np.ndarray, districts: np.ndarray) -> None:
        self.last_district[slots] = districts

    def leave(self, slots: np.ndarray, t: int, seasonal: int) -> None:
        """Home again (by departure or deportation): the stay's length is recorded."""
        stays = t - self.entered[slots[self.group[slots] == seasonal]]
        self.completed_stays += len(stays)
        self.completed_stay_days += int(stays.sum())
        self._present = None
        self.district[slots] = -1

    def count_trips(self, slots: np.ndarray) -> None:
        self.trips[slots] += 1

    def forget_at_home(self, book: PersonBook, name: str) -> None:
        """A kept field set back to a new person's value for everyone at home
        (a new amnesty window: no application is on file)."""
        if self._home is not None:
            self._home.reset(book, name)

    def learn_of_aid(self, slots: np.ndarray, home_rows: np.ndarray | None = None) -> None:
        """People present learn of the legal aid centres (and, from a campaign,
        people at home: rows of the register)."""
        self.knows_aid[slots] = True
        if home_rows is not None:
            self.home.learn_of_aid(home_rows, self)
