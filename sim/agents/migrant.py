"""Migrants: who they are, when they leave home, register, move and go home.

Each person is a ``Migrant`` (a Mesa agent) for life: created the first time they
set off (or at the start, if already present), and kept at home between seasons
with their memory (last district, entry ban). Their hot state lives in numpy
arrays indexed by ``Migrant.slot`` (``People``), so each day's hazards are drawn
for a whole group at once and only those something happens to are touched
(DESIGN.md, "Scale and speed"). ``Migrant`` reads its state from those arrays.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.draws import sample, truncated_normal
from sim.geography import read_data_csv
from sim.status import N_STATUS, Status

if TYPE_CHECKING:
    from sim.model import MigrationModel

NEVER = -(2**30)  # a day index before any run: "no such date"
FAR = 2**30  # a day index after any run


HOLDS_PAPERS = np.isin(np.arange(N_STATUS), [Status.ENTERED, Status.REGISTERED, Status.IRREGULAR_WORK])
IRREGULAR_FREE = np.isin(np.arange(N_STATUS), [Status.IRREGULAR_STAY, Status.IRREGULAR_WORK])  # irregular, not held


class Group(IntEnum):
    """FACTS.md 2: the three groups of migrants."""

    DAY_TRADER = 0  # crosses in the morning, home in the evening
    SEASONAL = 1  # builders, shepherds, harvesters; dependent on an employer
    LONG_TERM = 2  # self-employed, doing business, stays years


class Migrant(mesa.Agent):
    """One person (or ``model.scale`` people at a coarser agent scale)."""

    def __init__(self, model: MigrationModel, slot: int):
        super().__init__(model)
        self.slot = slot

    def _get(self, name: str):
        return getattr(self.model.people, name)[self.slot]

    @property
    def status(self) -> Status:
        return Status(self.model.people.book.status[self.slot])

    @property
    def group(self) -> Group:
        return Group(self._get("group"))

    @property
    def is_male(self) -> bool:
        return bool(self._get("male"))

    @property
    def age(self) -> int:
        return int(self._get("age"))

    @property
    def origin(self) -> str:
        return self.model.geo.origins[self._get("origin")]

    @property
    def citizenship(self) -> str:
        return self.model.people.citizenship_codes[self._get("citizenship")]

    @property
    def district(self) -> str | None:
        d = self._get("district")
        return None if d < 0 else self.model.geo.districts[d]

    @property
    def cell(self):
        """Where the person is: their district when present, their origin otherwise."""
        return self.model.space[self.district or self.origin]

    @property
    def employer(self):
        e = self._get("employer")
        return None if e < 0 else self.model.employers.agents[e]

    @property
    def banned_until(self):
        day = self._get("ban_until")
        return None if day <= NEVER else self.model.date_of(day)


# Per-person state: name -> (dtype, value of a new person)
FIELDS: dict[str, tuple[type, object]] = {
    "group": (np.int8, 0),
    "origin": (np.int16, 0),
    "citizenship": (np.int8, 0),
    "male": (np.bool_, False),
    "age": (np.int16, 0),
    "district": (np.int16, -1),  # -1 at home
    "last_district": (np.int16, -1),  # where they last worked (or lived)
    "employer": (np.int32, -1),
    "entered": (np.int32, NEVER),  # day of the current (or last) entry
    "leave_day": (np.int32, FAR),  # planned day of going home
    "deadline": (np.int32, NEVER),  # registration deadline of the current stay
    "reg_until": (np.int32, NEVER),  # registration valid before this day
    "idle_since": (np.int32, FAR),  # a seasonal worker out of work since; FAR otherwise
    "detained_until": (np.int32, NEVER),
    "ban_until": (np.int32, NEVER),
    "card_until": (np.int32, NEVER),  # amnesty migrant card valid before this day
    "violations": (np.int16, 0),  # fines and deportations on record
    "amnesty_filed": (np.bool_, False),  # an employer has applied for this person in the open window
    "extorted_day": (np.int32, NEVER),
    "paid_through": (np.int32, 0),  # wages are settled for days before this one
    "unpaid_claim": (np.float64, 0.0),  # wages withheld, a claim legal aid may recover
    "savings": (np.float64, 0.0),
    "passport_kept": (np.bool_, False),
    "documents_lost": (np.bool_, False),
    "knows_aid": (np.bool_, False),
    "ever_present": (np.bool_, False),
    "trips": (np.int16, 0),
}


class People:
    """The migrant population's state arrays and the migrants' daily rules."""

    def __init__(self, model: MigrationModel):
        self.model = model
        self.book = model.book
        self.n = 0
        self.agents: list[Migrant] = []
        for name, (dtype, fill) in FIELDS.items():
            setattr(self, name, np.full(0, fill, dtype=dtype))
        rows = read_data_csv("origins.csv")
        order = {o: i for i, o in enumerate(model.geo.origins)}
        self.origin_weights = np.zeros(len(order))
        self.citizenship_codes = sorted({r["citizenship"] for r in rows})
        self.origin_citizenship = np.zeros(len(order), dtype=np.int8)
        for r in rows:
            self.origin_weights[order[r["id"]]] = float(r["weight"])
            self.origin_citizenship[order[r["id"]]] = self.citizenship_codes.index(r["citizenship"])
        self.origin_weights /= self.origin_weights.sum()
        p = model.rules.migrants
        self.potential_left = p.potential_migrants // model.scale
        self.completed_stays: list[np.ndarray] = []  # days, of seasonal workers' finished stays
        self._present: np.ndarray | None = None  # cache; reset when anyone enters or leaves

    # ---- creation --------------------------------------------------------------

    def _grow(self, need: int) -> None:
        capacity = len(self.group)
        if need <= capacity:
            return
        capacity = max(need, 2 * capacity, 1024)
        for name, (dtype, fill) in FIELDS.items():
            old = getattr(self, name)
            new = np.full(capacity, fill, dtype=dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        self.book.grow(capacity)

    def add(self, count: int, group: Group, origins: np.ndarray | None = None) -> np.ndarray:
        """Create ``count`` new people (at home) and their Migrant agents."""
        rng, p = self.model.rng, self.model.rules
        slots = np.arange(self.n, self.n + count)
        self._grow(self.n + count)
        self.n += count
        if origins is None:
            origins = rng.choice(len(self.origin_weights), size=count, p=self.origin_weights)
        m = p.migrants
        self.group[slots] = group
        self.origin[slots] = origins
        self.citizenship[slots] = self.origin_citizenship[origins]
        self.male[slots] = rng.random(count) < m.share_men
        self.age[slots] = np.rint(truncated_normal(rng, m.age_mean, m.age_sd, m.age_min, m.age_max, count))
        self.knows_aid[slots] = rng.random(count) < p.legal_aid.awareness_share
        model = self.model
        self.agents.extend(Migrant(model, s) for s in range(self.n - count, self.n))
        return slots

    def place(self, slots: np.ndarray, districts: np.ndarray, t: int, status: Status | np.ndarray) -> None:
        """Put people already in the country at the start (not a transition)."""
        self.book.status[slots] = status
        self._present = None
        self.district[slots] = districts
        self.last_district[slots] = districts
        self.idle_since[slots] = np.where(self.group[slots] == Group.SEASONAL, t, FAR)
        self.ever_present[slots] = True

    # ---- queries ---------------------------------------------------------------

    def present(self) -> np.ndarray:
        """Slots of everyone in Kazakhstan now (do not modify the result)."""
        if self._present is None:
            self._present = np.flatnonzero(self.book.status[: self.n] != Status.HOME)
        return self._present

    def planned_stays(self, count: int) -> np.ndarray:
        """FACTS.md 1: seasonal stays of 2-8 months, 4.5 on average (a scaled beta)."""
        m = self.model.rules.migrants
        lo, hi = m.planned_stay_min_days, m.planned_stay_max_days
        share = (m.planned_stay_mean_days - lo) / (hi - lo)
        k = m.planned_stay_concentration
        return np.rint(lo + (hi - lo) * self.model.rng.beta(k * share, k * (1 - share), size=count)).astype(np.int32)

    # ---- daily rules -------------------------------------------------------------

    def leave_home(self, t: int) -> None:
        """Seasonal workers at home (known people and first-timers) set off with
        today's hazard; long-term residents trickle in to keep their stock."""
        model, rng, m = self.model, self.model.rng, self.model.rules.migrants
        # Word of jobs travels home: the hazard rises with recent job prospects.
        hazard = m.leave_rate * model.leave_profile[t] * (1 - m.prospects_weight + m.prospects_weight * model.employers.prospects)
        at_home = np.flatnonzero((self.book.status[: self.n] == Status.HOME) & (self.group[: self.n] == Group.SEASONAL))
        returning = sample(rng, at_home, hazard)
        first_timers = rng.binomial(self.potential_left, hazard)
        self.potential_left -= first_timers
        new = self.add(first_timers, Group.SEASONAL)
        leavers = np.concatenate([returning, new])
        dest = self.choose_destinations(leavers, t)
        # Returning migrants mostly go back where they worked before.
        known = self.last_district[leavers] >= 0
        back = known & (rng.random(len(leavers)) < m.return_same_district)
        dest[back] = self.last_district[leavers[back]]
        lt = self.model.rules.long_term
        newcomers = rng.poisson(lt.initial / model.scale / (lt.mean_stay_years * 365.0))
        residents = self.add(newcomers, Group.LONG_TERM)
        self.enter(leavers, dest, t)
        self.enter(residents, self.choose_destinations(residents, t, model.long_term_weights), t)

    def choose_destinations(self, slots: np.ndarray, t: int, weights: np.ndarray | None = None) -> np.ndarray:
        """Gravity choice: jobs on offer weighed by exp(-travel hours / decay)."""
        model = self.model
        if weights is None:
            weights = model.employers.attraction(t)
        attraction = (weights + 1e-9)[None, :] * model.distance_weight  # origin x district
        cum = np.cumsum(attraction / attraction.sum(axis=1, keepdims=True), axis=1)
        u = model.rng.random(len(slots))
        rows = cum[self.origin[slots]]
        return np.minimum((u[:, None] > rows).sum(axis=1), rows.shape[1] - 1).astype(np.int16)

    def enter(self, slots: np.ndarray, districts: np.ndarray, t: int) -> None:
        """Cross the border: the police screen; those admitted start a stay."""
        if len(slots) == 0:
            return
        model = self.model
        admitted, evading = model.police.screen_entries(slots, t)
        slots, districts = slots[admitted], districts[admitted]
        evading = evading[admitted]
        self._present = None
        card = ~evading & (self.card_until[slots] > t)
        legal = ~evading & ~card
        model.book.move(slots[legal], Status.ENTERED, "arrive")
        model.book.move(slots[card], Status.AMNESTY_CARD, "arrive_with_card")
        model.book.move(slots[evading], Status.IRREGULAR_STAY, "arrive_evading_ban")
        reg = model.rules.registration
        self.district[slots] = districts
        self.entered[slots] = t
        self.savings[slots] = model.rng.exponential(model.rules.migrants.cash_on_arrival_usd, size=len(slots))
        self.deadline[slots] = t + reg.deadline_days
        self.reg_until[slots] = np.where(card, self.card_until[slots], NEVER)
        self.ever_present[slots] = True
        self.trips[slots] += 1
        seasonal = self.group[slots] == Group.SEASONAL
        self.idle_since[slots] = np.where(seasonal, t, FAR)
        self.leave_day[slots[seasonal]] = t + self.planned_stays(int(seasonal.sum()))
        residents = slots[~seasonal]
        self.leave_day[residents] = t + self.long_term_stays(len(residents))
        model.police.check_routes(slots[evading], t)
        # Registration at the border post, where the regime offers it.
        newcomers = slots[legal]
        self.register(newcomers[model.rng.random(len(newcomers)) < reg.at_border_share], t)

    def long_term_stays(self, count: int) -> np.ndarray:
        lt = self.model.rules.long_term
        return np.ceil(self.model.rng.exponential(lt.mean_stay_years * 365.0, size=count)).astype(np.int32)

    def keep_papers(self, t: int) -> None:
        """Registration: newcomers register or miss the deadline; registrations run out."""
        rng, reg = self.model.rng, self.model.rules.registration
        book = self.book
        present = self.present()
        papers = present[HOLDS_PAPERS[book.status[present]]]  # only these can change here
        status = book.status[papers]
        can_register = ~(self.passport_kept[papers] | self.documents_lost[papers])
        in_time = self.deadline[papers] > t
        entered = status == Status.ENTERED
        working = status == Status.IRREGULAR_WORK
        # Newcomers register with a daily chance; so do those already working
        # illegally within the deadline (it keeps their stay legal).
        trying = papers[(entered | (working & (self.reg_until[papers] <= t) & in_time)) & can_register]
        self.register(trying[rng.random(len(trying)) < reg.daily_rate], t)
        # Past the deadline and never registered (a registration running out today
        # is handled below, with its chance of renewal).
        never = self.reg_until[papers] < t
        book.move(papers[(entered | working) & never & ~in_time], Status.IRREGULAR_STAY, "deadline_passed")
        # Registrations running out today: renewed or lapsed.
        status = book.status[papers]
        expiring = papers[((status == Status.REGISTERED) | (status == Status.IRREGULAR_WORK)) & (self.reg_until[papers] == t)]
        share = np.where(self.group[expiring] == Group.LONG_TERM, self.model.rules.long_term.renewal_share, reg.renewal_share)
        renew = (rng.random(len(expiring)) < share) & (self.savings[expiring] >= reg.cost_usd)
        self.savings[expiring[renew]] -= reg.cost_usd
        self.reg_until[expiring[renew]] = t + reg.validity_days
        book.move(expiring[~renew], Status.IRREGULAR_STAY, "registration_expired")
        # Amnesty cards running out today (three years on: rare within a run).
        cards = present[book.status[present] == Status.AMNESTY_CARD] if self.model.police.cards_issued else present[:0]
        book.move(cards[self.card_until[cards] <= t], Status.IRREGULAR_STAY, "card_expired")

    def register(self, slots: np.ndarray, t: int) -> None:
        """Register these people with the migration police (the caller has checked
        their papers) if they can pay the fee: a legal stay, unless they work
        without a permit."""
        reg = self.model.rules.registration
        if reg.cost_usd > 0:
            slots = slots[self.savings[slots] >= reg.cost_usd]
            self.savings[slots] -= reg.cost_usd
        self.reg_until[slots] = t + reg.validity_days
        status = self.book.status[slots]
        moving = slots[(status == Status.ENTERED) | (status == Status.IRREGULAR_STAY)]
        to = np.where(self.employer[moving] >= 0, Status.IRREGULAR_WORK, Status.REGISTERED)
        self.book.move(moving, to, "register")

    def go_home(self, t: int) -> None:
        """Leave at the planned day, or when idle too long (work dried up).
        ``idle_since`` is FAR for anyone who is not a seasonal worker out of work."""
        m = self.model.rules.migrants
        present = self.present()
        due = present[(self.leave_day[present] <= t) | (self.idle_since[present] <= t - m.max_idle_days)]
        leaving = due[self.book.status[due] != Status.DETAINED]
        if len(leaving) == 0:
            return
        self.model.employers.release(leaving, t, dismissed=False)
        exiting_irregular = leaving[IRREGULAR_FREE[self.book.status[leaving]]]
        deported = self.model.police.check_exits(exiting_irregular, t)
        leaving = np.setdiff1d(leaving, deported, assume_unique=True)
        self.end_stay(leaving, t)
        self.book.move(leaving, Status.HOME, "departed")

    def end_stay(self, slots: np.ndarray, t: int) -> None:
        """What ends with any stay, by departure or deportation."""
        seasonal = slots[self.group[slots] == Group.SEASONAL]
        self.completed_stays.append(t - self.entered[seasonal])
        self._present = None
        self.district[slots] = -1
        # Papers and claims stay behind: a new stay starts with a passport and no claim.
        self.passport_kept[slots] = False
        self.documents_lost[slots] = False
        self.unpaid_claim[slots] = 0.0

    def day_trips(self, t: int) -> int:
        """Border day traders cross in the morning and are home by night."""
        traders = self.model.day_traders
        going = traders[self.model.rng.random(len(traders)) < self.model.rules.day_traders.trip_rate]
        self.trips[going] += 1
        self.model.police.check_traders(going, t)
        return len(going)
