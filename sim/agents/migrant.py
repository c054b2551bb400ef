"""Migrants: whether a trip is worth it, where to go, whether to register, how
long to wait for work, and when to go home.

Each person is made the first time they set off (or at the start, if already
present). Their state lives in numpy arrays indexed by a slot and owned by the
books of ``sim/people`` (a decision is a vectorised choice over everyone deciding
today); back home, a seasonal worker gives up the slot and waits in the home
register with their memory (last district, entry ban, amnesty card: the books'
``KEPT`` fields) until they set off again. A ``Migrant`` (a Mesa agent) stands for
a person while they hold a slot. ``Migrants`` holds the decisions and calls the
books' verbs. What they decide from:

- **Going**: what returnees from their own region said a day of a stay brings
  (wages received, less money paid to the police, less the cost of a deportation
  times its chance; ``sim/people/news.py``), against what this season at home
  offers them (home earnings vary between people and years); a card holder
  expects full pay and no trouble with the police, a banned person expects to be
  turned back at the border. News of open jobs sets how many of the willing leave
  on a day of the season.
- **Registering**: the fee, the days lost queueing and the informal payment at the
  office, against the police losses they expect while unregistered (the catches of
  unregistered people and the loss per catch their region reported, scaled by
  their own fear of the police, which rises when they are caught).
- **Waiting for work**: each idle day costs food and a bed; they keep looking
  while they can afford the expected wait for a job in their district (from how
  many seekers there found one lately) and the job is worth the wait.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np
from scipy.special import ndtr

from migsim.draws import sample, sample_positions
from migsim.people.book import FAR, NEVER
from migsim.people.population import FREE
from migsim.status import IRREGULAR_FREE, UNREGISTERED, Status

if TYPE_CHECKING:
    from migsim.model import MigrationModel


SEARCH_WEEK_DAYS = 7  # an idle worker weighs one more week of looking


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
    def savings_usd(self) -> float:
        return float(self.model.wallets.savings[self.slot])

    @property
    def banned_until(self):
        day = self.model.records.ban_until[self.slot]
        return None if day <= NEVER else self.model.date_of(day)


class Migrants:
    """The migrants' decisions."""

    def __init__(self, model: MigrationModel):
        self.model = model
        self.agents: list[Migrant | None] = []  # the Migrant agent of each slot, once made (``materialize``)
        self.gave_up_today = 0  # idle workers who went home today without finding work (agents)
        self._made = np.zeros(0, dtype=bool)  # which slots' agents are made

    def materialize(self) -> list[Migrant | None]:
        """Make the Migrant agents of people who have a slot and no agent yet
        (None for a free slot). Creating a Mesa agent costs several microseconds
        and a full-scale year adds some 95,000 people, so agents are made when
        someone reads the model's agent registry (``MigrationModel.agents`` and
        friends), not on the day a person is added."""
        model, population = self.model, self.model.population
        n = population.n
        self.agents.extend([None] * (n - len(self.agents)))
        self._made = np.concatenate([self._made, np.zeros(n - len(self._made), dtype=bool)])
        for s in np.flatnonzero((population.group[:n] != FREE) & ~self._made):
            self.agents[s] = Migrant(model, int(s))
        self._made[:n] = population.group[:n] != FREE
        return self.agents

    # ---- people ----------------------------------------------------------------------------

    def add(self, count: int, group: Group, origins: np.ndarray | None = None) -> np.ndarray:
        """New people at home, with their fear of the police (their Migrant agents
        are made on demand: ``materialize``)."""
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        model, rng = self.model, self.model.rng
        m = model.rules.migrants
        slots = model.population.add(rng, count, group, m, model.rules.legal_aid.awareness_share, origins)
        model.beliefs.form(slots, np.exp(m.risk_perception_spread * rng.standard_normal(count)))
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

    # ---- is a trip worth it? --------------------------------------------------------------

    def trip_value(self, rows: np.ndarray, t: int) -> np.ndarray:
        """What a day of a stay is worth to each person at home (rows of the home
        register; US dollars), from what returnees of their region said, and
        their own papers."""
        model = self.model
        m, police = model.rules.migrants, model.rules.police
        news, people = model.news, model.population
        origin = people.home.column(people, "origin")[rows]
        value = news.expected_net_usd_per_day(m.deportation_cost_usd)[origin]
        # A card holder expects no trouble with the police and full pay (employers
        # withhold only from those who cannot complain).
        card = people.home.column(model.papers, "card_until")[rows] > t
        value = np.where(card, (news.per_day("received") + news.per_day("withheld"))[origin], value)
        banned = people.home.column(model.records, "ban_until")[rows] > t  # most banned people are turned back at the border
        return np.where(banned & ~card, value * (1.0 - police.banned_turned_back), value)

    def willing_share(self, value: np.ndarray) -> np.ndarray:
        """Chance that a trip worth ``value`` a day beats what this season at home
        offers a person (home earnings vary between people and years: lognormal)."""
        m = self.model.rules.migrants
        if m.home_earnings_spread == 0:
            return (value > m.home_earnings_usd_per_day).astype(float)
        z = (np.log(np.maximum(value, 1e-9)) - np.log(m.home_earnings_usd_per_day)) / m.home_earnings_spread
        return np.where(value > 0, ndtr(z), 0.0)

    # ---- leaving home and arriving -----------------------------------------------------------

    def rest_at_home(self) -> None:
        """People back home leave the books' slots (``Population.rest_at_home``):
        their amnesty applications and places in a legal aid queue lapse, and
        their Migrant agents leave Mesa's registry (a seasonal worker who sets off
        again gets a new one). Day traders keep theirs: they are home every night."""
        model = self.model
        population, n = model.population, model.population.n
        home = np.flatnonzero((model.book.status[:n] == Status.HOME) & (population.group[:n] > Group.DAY_TRADER))
        if len(home) == 0:
            return
        leaving = np.zeros(n, dtype=bool)
        leaving[home] = True
        model.amnesty.withdraw(leaving)
        for centre in model.legal_aid.centres:
            centre.forget(leaving)
        seen = home[home < len(self._made)]
        for s in seen[self._made[seen]]:
            self.agents[s].remove()
            self.agents[s] = None
        self._made[seen] = False
        population.rest_at_home(home)

    def leave_home(self, t: int) -> None:
        """Seasonal workers at home (known people and first-timers) for whom a
        trip beats home set off with today's hazard; long-term residents trickle in."""
        model, rng, m = self.model, self.model.rng, self.model.rules.migrants
        population = model.population
        # Word of open jobs travels home: how many of the willing set off today.
        hazard = m.leave_rate * model.leave_profile[t] * (1 - m.prospects_weight + m.prospects_weight * model.employers.prospects)
        # Seasonal workers who have been here before wait at home in the register;
        # those who go take a slot again.
        considering = sample_positions(rng, population.home.n, hazard)
        going = rng.random(len(considering)) < self.willing_share(self.trip_value(considering, t))
        returning = population.bring_back(considering[going])
        value = model.news.expected_net_usd_per_day(m.deportation_cost_usd)
        first = rng.binomial(population.pool // model.scale, hazard * self.willing_share(value))
        population.take_from_pool(first * model.scale)
        new = self.add(int(first.sum()), Group.SEASONAL, np.repeat(np.arange(len(first)), first))
        leavers = np.concatenate([returning, new])
        dest = self.choose_destinations(leavers, t)
        # Returning migrants mostly go back where they worked before.
        known = population.last_district[leavers] >= 0
        back = known & (rng.random(len(leavers)) < m.return_same_district)
        dest[back] = population.last_district[leavers[back]]
        lt = model.rules.long_term
        newcomers = rng.poisson(lt.initial / model.scale / (lt.mean_stay_years * 365.0))
        residents = self.add(newcomers, Group.LONG_TERM)
        towns = self.choose_destinations(residents, t, model.long_term_weights)
        self.enter(np.concatenate([leavers, residents]), np.concatenate([dest, towns]), t)

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
        model.records.start_stay(slots, evading)
        papers.start_stay(slots, t + reg.deadline_days, card)
        seasonal = population.group[slots] == Group.SEASONAL
        model.jobs.look_for_work(slots[seasonal], t)
        model.jobs.not_looking(slots[~seasonal])
        population.plan_departure(slots[seasonal], t + self.planned_stays(int(np.count_nonzero(seasonal))))
        residents = slots[~seasonal]
        population.plan_departure(residents, t + self.long_term_stays(len(residents)))
        model.police.check_routes(slots[evading], t)
        # Where the border post registers people, newcomers offered it decide there (no queue).
        if reg.at_border_share > 0:
            offered = slots[legal]
            offered = offered[model.rng.random(len(offered)) < reg.at_border_share]
            benefit, cost = self.registration_worth(offered, t, queue_days=0.0)
            self.register(offered[benefit > cost], t)

    # ---- papers -----------------------------------------------------------------------------

    def registration_worth(
        self, slots: np.ndarray, t: int, queue_days: float | None = None, late: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(benefit, cost) of registering, US dollars a person. Benefit: the police
        losses expected while unregistered until the planned departure (or for a
        registration's validity), as their region reported them, times the
        person's fear of the police. Cost: the fee, the working days lost queueing,
        the informal payment asked at the office, and a fine if they are late."""
        if len(slots) == 0:
            return np.zeros(0), np.zeros(0)
        model = self.model
        reg, m = model.rules.registration, model.rules.migrants
        news, origin = model.news, model.population.origin[slots]
        catch_rate = news.per_day("catches_unregistered")[origin]
        loss = news.loss_per_catch_usd(m.deportation_cost_usd)[origin]
        days = np.clip(model.population.leave_day[slots] - t, 0, reg.validity_days)
        benefit = catch_rate * loss * model.beliefs.risk_view[slots] * days
        queue = reg.queue_days if queue_days is None else queue_days
        cost = reg.cost_usd + reg.office_payment_usd + queue * news.per_day("received")[origin]
        if late is not None:
            cost = cost + np.where(late, model.rules.police.fine_usd, 0.0)
        return benefit, cost

    def keep_papers(self, t: int) -> None:
        """Registration: those who get to an office today register if it is worth
        it to them; deadlines pass; registrations and cards run out."""
        model = self.model
        rng, reg, book, papers = model.rng, model.rules.registration, model.book, model.papers
        visiting = sample(rng, model.population.present(), reg.daily_rate)
        status = book.status[visiting]
        unregistered_worker = (status == Status.IRREGULAR_WORK) & (papers.reg_until[visiting] <= t)
        at_office = visiting[UNREGISTERED[status] | unregistered_worker]
        late = (papers.deadline[at_office] <= t) | (book.status[at_office] == Status.IRREGULAR_STAY)
        benefit, cost = self.registration_worth(at_office, t, late=late)
        wants = benefit > cost
        self.register(at_office[wants], t, late=late[wants])
        # The deadline passes today for those who never registered.
        due = papers.deadlines_on(t)
        status = book.status[due]
        lapsed = due[((status == Status.ENTERED) | (status == Status.IRREGULAR_WORK)) & (papers.reg_until[due] < t)]
        book.move(lapsed, Status.IRREGULAR_STAY, "deadline_passed")
        # Registrations running out today: renewed if still worth it, or lapsed.
        ending = papers.registrations_ending_on(t)
        status = book.status[ending]
        expiring = ending[(status == Status.REGISTERED) | (status == Status.IRREGULAR_WORK)]
        benefit, cost = self.registration_worth(expiring, t)
        renewed = np.zeros(len(expiring), dtype=bool)
        renewing = benefit > cost
        renewed[renewing] = self.register(expiring[renewing], t)
        book.move(expiring[~renewed], Status.IRREGULAR_STAY, "registration_expired")
        # Amnesty cards running out today (three years on: rare within a run).
        cards = papers.cards_ending_on(t)
        book.move(cards[book.status[cards] == Status.AMNESTY_CARD], Status.IRREGULAR_STAY, "card_expired")

    def register(self, slots: np.ndarray, t: int, late: np.ndarray | None = None) -> np.ndarray:
        """Register these people with the migration police if their passport is
        in hand and they can pay (those who cannot are blocked, a trouble legal aid
        hears of): a legal stay, unless they work without a permit. A late
        registration also pays the fine. Returns a mask of who registered."""
        if len(slots) == 0:
            return np.zeros(0, dtype=bool)
        model = self.model
        reg, wallets = model.rules.registration, model.wallets
        price = np.full(len(slots), reg.cost_usd + reg.office_payment_usd)
        if late is not None:
            price += np.where(late, model.rules.police.fine_usd, 0.0)
        can = model.papers.in_hand(slots) & (wallets.savings[slots] >= price)
        model.papers.blocked(slots[~can], t)
        slots, price = slots[can], price[can]
        wallets.take(slots, price)
        if late is not None:  # the late fine is paid to the migration police: it is part of what they tell at home
            late_now = late[can]
            model.records.paid(slots[late_now], model.rules.police.fine_usd)
        model.papers.register(slots, t + reg.validity_days)
        status = model.book.status[slots]
        moving = slots[UNREGISTERED[status]]
        to = np.where(model.jobs.employer[moving] >= 0, Status.IRREGULAR_WORK, Status.REGISTERED)
        model.book.move(moving, to, "register")
        model.metrics.add("registrations", len(slots) * model.scale)
        return can

    # ---- waiting for work and going home ----------------------------------------------------

    def go_home(self, t: int) -> None:
        """Idle seasonal workers pay for the day and decide whether to keep
        looking; people whose planned stay is over go home, unless they wait for
        an amnesty decision and can afford to."""
        model, m = self.model, self.model.rules.migrants
        population, jobs, book, wallets = model.population, model.jobs, model.book, model.wallets
        # masks over every slot, read in order (faster than picking the present first)
        n, status = population.n, book.status[: population.n]
        free = (status != Status.HOME) & (status != Status.DETAINED)
        idle = np.flatnonzero(free & (jobs.idle_since[:n] < FAR))
        wallets.take(idle, m.living_cost_usd_per_day)
        going = free & (population.leave_day[:n] <= t)
        going[idle[~self.keeps_looking(idle, t)]] = True
        leaving = np.flatnonzero(going)
        leaving = leaving[~model.amnesty.waits_for_decision(leaving)]
        self.gave_up_today = int(np.count_nonzero(population.leave_day[leaving] > t))  # left before their plan: no work
        if len(leaving) == 0:
            return
        model.employers.release(leaving, t, dismissed=False)
        exiting_irregular = leaving[IRREGULAR_FREE[book.status[leaving]]]
        deported = model.police.check_exits(exiting_irregular, t)
        stays = np.ones(len(leaving), dtype=bool)
        stays[np.searchsorted(leaving, deported)] = False  # leaving is sorted; the deported are among them
        leaving = leaving[stays]
        self.end_stay(leaving, t, deported=False)
        book.move(leaving, Status.HOME, "departed")

    def keeps_looking(self, idle: np.ndarray, t: int) -> np.ndarray:
        """An idle worker keeps looking if they can afford to wait for a job and
        it is worth the wait. The expected wait is one over the daily chance of a
        job where people are being hired (how fast those who found work lately
        found it: seekers hear of the whole market, and move to where jobs are,
        ``move_to_work``); it must end before their planned departure, their
        savings must cover food and a bed until then, and the wages a job then
        brings (it is expected to last ``job_horizon_days``, paid in the share
        returnees reported) must exceed what the wait costs. Savings let a worker
        wait out a slack market."""
        model, m = self.model, self.model.rules.migrants
        employers, news = model.employers, model.news
        wait = 1.0 / max(employers.find_rate_where_hiring, 1e-6)
        days_left = model.population.leave_day[idle] - t
        waiting_cost = wait * m.living_cost_usd_per_day
        origin = model.population.origin[idle]
        received, withheld = news.per_day("received")[origin], news.per_day("withheld")[origin]
        paid = received / np.maximum(received + withheld, 1e-9)
        job_worth = employers.mean_wage * paid * np.clip(days_left - wait, 0, m.job_horizon_days)
        affordable = model.wallets.savings[idle] >= np.maximum(waiting_cost, m.living_cost_usd_per_day)
        return affordable & (wait < days_left) & (job_worth > waiting_cost)

    def move_to_work(self, seekers: np.ndarray, open_jobs_by_district: np.ndarray) -> None:
        """Idle workers who hear of open jobs in another district (with a daily
        chance, more often of where more jobs are open) move there if their chance
        of a job within a week rises enough to pay for the trip."""
        model, rng, m = self.model, self.model.rng, self.model.rules.migrants
        total = open_jobs_by_district.sum()
        if total <= 0 or len(seekers) == 0:
            return
        hearing = seekers[rng.random(len(seekers)) < m.relocate_rate]
        cum = np.cumsum(open_jobs_by_district / total)
        there = np.minimum(np.searchsorted(cum, rng.random(len(hearing)), side="right"), len(cum) - 1)
        here = model.population.district[hearing]
        week = 1.0 - (1.0 - model.employers.find_rate) ** SEARCH_WEEK_DAYS
        gain = (week[there] - week[here]) * model.employers.mean_wage * m.job_horizon_days
        trip = model.geo.district_hours[here, there] * m.travel_cost_usd_per_hour
        moving = gain > trip
        model.population.relocate(hearing[moving], there[moving].astype(np.int16))

    def end_stay(self, slots: np.ndarray, t: int, deported: bool) -> None:
        """What ends with any stay, by departure or deportation: seasonal workers
        tell their region what it was like; papers and claims stay behind, so a
        new stay starts with a passport and no claim."""
        model = self.model
        model.news.report(slots[model.population.group[slots] == Group.SEASONAL], t, deported)
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
