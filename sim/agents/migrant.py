"""Migrants: when they leave home, where they go, whether they register, and when
they go home.

Each person is a ``Migrant`` (a Mesa agent) for life: created the first time they
set off (or at the start, if already present), and kept at home between seasons
with their memory (last district, entry ban, amnesty card). Their state lives in
numpy arrays indexed by ``Migrant.slot`` and owned by the books of ``sim/people``
(DESIGN: "Scale and speed"); ``Migrants`` holds the migrants' decisions, drawn for
a whole group at once, and touches only those something happens to.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.draws import sample
from sim.people.book import FAR, NEVER
from sim.status import N_STATUS, Status

if TYPE_CHECKING:
    from sim.model import MigrationModel


HOLDS_PAPERS = np.isin(np.arange(N_STATUS), [Status.ENTERED, Status.REGISTERED, Status.IRREGULAR_WORK])
IRREGULAR_FREE = np.isin(np.arange(N_STATUS), [Status.IRREGULAR_STAY, Status.IRREGULAR_WORK])  # irregular, not held


class Group(IntEnum):
    """The three groups of migrants (docs/sources.md, legal aid monitoring)."""

    DAY_TRADER = 0  # crosses in the morning, home in the evening
    SEASONAL = 1  # builders, shepherds, harvesters; dependent on an employer
    LONG_TERM = 2  # self-employed, doing business, stays years


class Migrant(mesa.Agent):
    """One person (or ``model.scale`` people at a coarser agent scale)."""

    def __init__(self, model: MigrationModel, slot: int):
        super().__init__(model)
        self.slot = slot

    @property
    def status(self) -> Status:
        return Status(self.model.book.status[self.slot])

    @property
    def group(self) -> Group:
        return Group(self.model.population.group[self.slot])

    @property
    def is_male(self) -> bool:
        return bool(self.model.population.male[self.slot])

    @property
    def age(self) -> int:
        return int(self.model.population.age[self.slot])

    @property
    def origin(self) -> str:
        return self.model.geo.origins[self.model.population.origin[self.slot]]

    @property
    def citizenship(self) -> str:
        population = self.model.population
        return population.citizenship_codes[population.citizenship[self.slot]]

    @property
    def district(self) -> str | None:
        d = self.model.population.district[self.slot]
        return None if d < 0 else self.model.geo.districts[d]

    @property
    def cell(self):
        """Where the person is: their district when present, their origin otherwise."""
        return self.model.space[self.district or self.origin]

    @property
    def employer(self):
        e = self.model.jobs.employer[self.slot]
        return None if e < 0 else self.model.employers.agents[e]

    @property
    def banned_until(self):
        day = self.model.records.ban_until[self.slot]
        return None if day <= NEVER else self.model.date_of(day)


class Migrants:
    """The migrants' decisions: leave home, choose a district, register, go home."""

    def __init__(self, model: MigrationModel):
        self.model = model
        self.agents: list[Migrant] = []

    def add(self, count: int, group: Group, origins: np.ndarray | None = None) -> np.ndarray:
        """New people at home, each with a Migrant agent."""
        model = self.model
        slots = model.population.add(model.rng, count, group, model.rules.migrants, model.rules.legal_aid.awareness_share, origins)
        self.agents.extend(Migrant(model, int(s)) for s in slots)
        return slots

    def planned_stays(self, count: int) -> np.ndarray:
        """Seasonal stays of 2-8 months, 4.5 on average (docs/sources.md): a scaled beta."""
        m = self.model.rules.migrants
        lo, hi = m.planned_stay_min_days, m.planned_stay_max_days
        share = (m.planned_stay_mean_days - lo) / (hi - lo)
        k = m.planned_stay_concentration
        return np.rint(lo + (hi - lo) * self.model.rng.beta(k * share, k * (1 - share), size=count)).astype(np.int32)

    def long_term_stays(self, count: int) -> np.ndarray:
        lt = self.model.rules.long_term
        return np.ceil(self.model.rng.exponential(lt.mean_stay_years * 365.0, size=count)).astype(np.int32)

    # ---- leaving home and arriving ----------------------------------------------------

    def leave_home(self, t: int) -> None:
        """Seasonal workers at home (known people and first-timers) set off with
        today's hazard; long-term residents trickle in to keep their stock."""
        model, rng, m = self.model, self.model.rng, self.model.rules.migrants
        population = model.population
        # Word of jobs travels home: the hazard rises with recent job prospects.
        hazard = m.leave_rate * model.leave_profile[t] * (1 - m.prospects_weight + m.prospects_weight * model.employers.prospects)
        n = population.n
        at_home = np.flatnonzero((model.book.status[:n] == Status.HOME) & (population.group[:n] == Group.SEASONAL))
        returning = sample(rng, at_home, hazard)
        first_timers = rng.binomial(population.pool // model.scale, hazard)
        population.take_from_pool(first_timers * model.scale)
        new = self.add(first_timers, Group.SEASONAL)
        leavers = np.concatenate([returning, new])
        dest = self.choose_destinations(leavers, t)
        # Returning migrants mostly go back where they worked before.
        known = population.last_district[leavers] >= 0
        back = known & (rng.random(len(leavers)) < m.return_same_district)
        dest[back] = population.last_district[leavers[back]]
        lt = model.rules.long_term
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
        rows = cum[model.population.origin[slots]]
        return np.minimum((u[:, None] > rows).sum(axis=1), rows.shape[1] - 1).astype(np.int16)

    def enter(self, slots: np.ndarray, districts: np.ndarray, t: int) -> None:
        """Cross the border: the police screen; those admitted start a stay."""
        if len(slots) == 0:
            return
        model = self.model
        population, papers = model.population, model.papers
        admitted, evading = model.police.screen_entries(slots, t)
        slots, districts = slots[admitted], districts[admitted]
        evading = evading[admitted]
        card = ~evading & (papers.card_until[slots] > t)
        legal = ~evading & ~card
        model.book.move(slots[legal], Status.ENTERED, "arrive")
        model.book.move(slots[card], Status.AMNESTY_CARD, "arrive_with_card")
        model.book.move(slots[evading], Status.IRREGULAR_STAY, "arrive_evading_ban")
        reg = model.rules.registration
        population.arrive(slots, districts, t)
        model.wallets.arrive_with(slots, model.rng.exponential(model.rules.migrants.cash_on_arrival_usd, size=len(slots)))
        papers.start_stay(slots, t + reg.deadline_days, card)
        seasonal = population.group[slots] == Group.SEASONAL
        model.jobs.look_for_work(slots[seasonal], t)
        model.jobs.not_looking(slots[~seasonal])
        population.plan_departure(slots[seasonal], t + self.planned_stays(int(seasonal.sum())))
        residents = slots[~seasonal]
        population.plan_departure(residents, t + self.long_term_stays(len(residents)))
        model.police.check_routes(slots[evading], t)
        # Registration at the border post, where the regime offers it.
        newcomers = slots[legal]
        self.register(newcomers[model.rng.random(len(newcomers)) < reg.at_border_share], t)

    # ---- papers ---------------------------------------------------------------------------

    def keep_papers(self, t: int) -> None:
        """Registration: newcomers register or miss the deadline; registrations run out."""
        model = self.model
        rng, reg, book, papers = model.rng, model.rules.registration, model.book, model.papers
        present = model.population.present()
        holders = present[HOLDS_PAPERS[book.status[present]]]  # only these can change here
        status = book.status[holders]
        can_register = papers.in_hand(holders)
        in_time = papers.deadline[holders] > t
        entered = status == Status.ENTERED
        working = status == Status.IRREGULAR_WORK
        # Newcomers register with a daily chance; so do those already working
        # illegally within the deadline (it keeps their stay legal).
        trying = holders[(entered | (working & (papers.reg_until[holders] <= t) & in_time)) & can_register]
        self.register(trying[rng.random(len(trying)) < reg.daily_rate], t)
        # Past the deadline and never registered (a registration running out today
        # is handled below, with its chance of renewal).
        never = papers.reg_until[holders] < t
        book.move(holders[(entered | working) & never & ~in_time], Status.IRREGULAR_STAY, "deadline_passed")
        # Registrations running out today: renewed or lapsed.
        status = book.status[holders]
        expiring = holders[((status == Status.REGISTERED) | (status == Status.IRREGULAR_WORK)) & (papers.reg_until[holders] == t)]
        long_term = model.population.group[expiring] == Group.LONG_TERM
        share = np.where(long_term, model.rules.long_term.renewal_share, reg.renewal_share)
        renew = (rng.random(len(expiring)) < share) & (model.wallets.savings[expiring] >= reg.cost_usd)
        model.wallets.take(expiring[renew], reg.cost_usd)
        papers.register(expiring[renew], t + reg.validity_days)
        book.move(expiring[~renew], Status.IRREGULAR_STAY, "registration_expired")
        # Amnesty cards running out today (three years on: rare within a run).
        cards = present[book.status[present] == Status.AMNESTY_CARD] if model.amnesty.cards_issued else present[:0]
        book.move(cards[papers.card_until[cards] <= t], Status.IRREGULAR_STAY, "card_expired")

    def register(self, slots: np.ndarray, t: int) -> None:
        """Register these people with the migration police (the caller has checked
        their papers) if they can pay the fee: a legal stay, unless they work
        without a permit."""
        model = self.model
        reg = model.rules.registration
        if reg.cost_usd > 0:
            slots = slots[model.wallets.savings[slots] >= reg.cost_usd]
            model.wallets.take(slots, reg.cost_usd)
        model.papers.register(slots, t + reg.validity_days)
        status = model.book.status[slots]
        moving = slots[(status == Status.ENTERED) | (status == Status.IRREGULAR_STAY)]
        to = np.where(model.jobs.employer[moving] >= 0, Status.IRREGULAR_WORK, Status.REGISTERED)
        model.book.move(moving, to, "register")

    # ---- going home ---------------------------------------------------------------------

    def go_home(self, t: int) -> None:
        """Leave at the planned day, or when idle too long (work dried up).
        ``idle_since`` is FAR for anyone who is not a seasonal worker out of work."""
        model, m = self.model, self.model.rules.migrants
        population = model.population
        present = population.present()
        due = present[(population.leave_day[present] <= t) | (model.jobs.idle_since[present] <= t - m.max_idle_days)]
        leaving = due[model.book.status[due] != Status.DETAINED]
        if len(leaving) == 0:
            return
        model.employers.release(leaving, t, dismissed=False)
        exiting_irregular = leaving[IRREGULAR_FREE[model.book.status[leaving]]]
        deported = model.police.check_exits(exiting_irregular, t)
        leaving = np.setdiff1d(leaving, deported, assume_unique=True)
        self.end_stay(leaving, t)
        model.book.move(leaving, Status.HOME, "departed")

    def end_stay(self, slots: np.ndarray, t: int) -> None:
        """What ends with any stay, by departure or deportation: papers and claims
        stay behind, so a new stay starts with a passport and no claim."""
        model = self.model
        model.population.leave(slots, t, Group.SEASONAL)
        model.papers.clear_at_exit(slots)
        model.wallets.forfeit_claims(slots)

    def day_trips(self, t: int) -> int:
        """Border day traders cross in the morning and are home by night."""
        model = self.model
        traders = model.day_traders
        going = traders[model.rng.random(len(traders)) < model.rules.day_traders.trip_rate]
        model.population.count_trips(going)
        model.police.check_traders(going, t)
        return len(going)


__all__ = ["FAR", "NEVER", "Group", "Migrant", "Migrants"]
