"""Employers: farms, building firms, herd owners and bazaar traders that hire
seasonal hands, and how they decide to hire.

For each match with a job seeker an employer weighs its options, per worker-day:

- **illegally**: the wage, and the fine it expects to pay (how often the police
  visit sites like its own, times the chance a worker there is found, times the
  share of those found who are fined or detained rather than let go for a bribe,
  times the fine for each illegal worker; employers differ in how much they fear
  inspections);
- **under a quota permit**, if it holds a free one and the worker's papers are in
  order: the wage plus tax and social charges, and the permit's cost and
  paperwork spread over the worker's stay;
- **not at all**, if the job is worth less to it (its margin above the wage) than
  the expected fine.

While an amnesty window is open it weighs filing for the workers it knows to be
eligible (it holds their papers): the fines it no longer risks on them, against
the tax it will pay on them from then on, the paperwork, and the police's
attention to its remaining illegal workers.

Each employer is an ``Employer`` (a Mesa agent fixed in its district's cell); the
employers' numbers live in ``EmployerBook`` arrays so that a day's decisions are
computed for all of them at once. Headcounts and permits in use belong to
``sim/people/jobs.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from migsim.calendar import monthly_curve
from migsim.geography import read_data_csv
from migsim.people.book import FAR, key_type
from migsim.schema import SECTORS
from migsim.status import IRREGULAR_FREE, N_STATUS, Status

if TYPE_CHECKING:
    from migsim.model import MigrationModel


OPEN_JOB_PULL_OF_MARKET = 0.2  # pull of a district's whole demand, relative to an open job
EMPLOYER_SIZE_SPREAD = 0.5  # lognormal sigma of employer sizes within a district and sector
SEEKS_WORK = np.isin(np.arange(N_STATUS), [Status.ENTERED, Status.REGISTERED, Status.AMNESTY_CARD, Status.IRREGULAR_STAY])


class Employer(mesa.discrete_space.FixedAgent):
    """One employer of migrant labour in a district and sector."""

    def __init__(self, model: MigrationModel, cell, index: int):
        super().__init__(model)
        self.cell = cell
        self.index = index

    @property
    def sector(self) -> str:
        return SECTORS[self.model.employers.sector[self.index]]

    @property
    def demand(self) -> int:
        """Hands wanted today (people)."""
        return int(self.model.employers.target[self.index]) * self.model.scale

    @property
    def employed(self) -> int:
        return int(self.model.jobs.employed[self.index]) * self.model.scale

    @property
    def permits(self) -> int:
        return int(self.model.employers.permits[self.index]) * self.model.scale

    @property
    def withholds_wages(self) -> bool:
        return bool(self.model.employers.withholds[self.index])

    @property
    def expected_fine_usd_per_worker_day(self) -> float:
        return float(self.model.employers.expected_fine()[self.index])


INITIAL_FIND_RATE = 0.1  # seekers' daily chance of a job before any hiring is seen
INITIAL_EXPOSURE_SHARE = 0.5  # employers' belief before any inspection is heard of
EXPOSURE_NEWS_PEOPLE = 200.0  # workers found after which employers' belief has mostly moved


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights, summing exactly to total."""
    if weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    rest = total - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    return counts


class EmployerBook:
    """All employers' state, and the labour market's daily rules."""

    def __init__(self, model: MigrationModel):
        self.model = model
        rng, p, scale = model.rng, model.params, model.scale
        geo = model.geo
        rows = {r["district"]: r for r in read_data_csv("district_sectors.csv")}
        weights = np.array([[float(rows[d][s]) for s in SECTORS] for d in geo.districts])  # district x sector
        self.district_sector_weights = weights
        sector, district, base = [], [], []
        for j, name in enumerate(SECTORS):
            spec = p.sectors[name]
            counts = _largest_remainder(spec.employers, weights[:, j])
            for d in np.flatnonzero(counts):
                size = rng.lognormal(0.0, EMPLOYER_SIZE_SPREAD, size=counts[d])
                share = weights[d, j] / weights[:, j].sum()
                base.extend(spec.peak_demand * share * size / size.sum())
                sector.extend([j] * counts[d])
                district.extend([d] * counts[d])
        n = len(sector)
        self.sector = np.array(sector, dtype=np.int8)
        self.district = np.array(district, dtype=np.int16)
        self.base_demand = np.array(base) / scale  # agents at the sector's peak
        e = p.employers
        # Practices that differ between employers (fixed for the run).
        self.withholds = rng.random(n) < e.withholding_share
        self.keeps_passports = rng.random(n) < e.passport_keeping_share
        # What a worker-day brings the employer above the wage.
        self.margin = e.margin_usd_per_day * np.exp(e.margin_spread * rng.standard_normal(n))
        # How much each employer fears inspections, relative to their true rate.
        self.risk_view = np.exp(e.risk_perception_spread * rng.standard_normal(n))
        # A fixed offset per employer turns fractional demand (in agents) into whole
        # hands without bias: the expected headcount is the same at any scale.
        self.dither = rng.random(n)
        self.quota_weight = np.array([p.sectors[SECTORS[s]].quota_weight for s in self.sector])
        self.target = np.zeros(n, dtype=np.int64)  # hands wanted today (agents)
        dates = model.dates
        self.curves = np.array([monthly_curve(p.sectors[s].profile, dates) for s in SECTORS])  # sector x day
        self.unfilled = 0
        self.idle_after_hiring = 0  # seasonal workers still looking for work today
        # Smoothed share of open jobs among open jobs and idle hands: the news
        # about work that reaches the origin regions (0 no chance, 1 jobs waiting).
        self.prospects = 0.5
        # Smoothed daily chance that a seeker in each district found a job: what
        # idle workers see. Kept as smoothed hires over smoothed seekers, so that the
        # few agents of a coarse run give the same rate as the many of a fine one.
        self.seekers_seen = np.ones(len(geo.districts))
        self.hires_seen = np.full(len(geo.districts), INITIAL_FIND_RATE)
        self.find_rate = self.hires_seen / self.seekers_seen
        # The daily chance of a job idle workers weigh (``_after_hiring``); with every
        # district's rate at INITIAL_FIND_RATE, its hires-weighted mean is that too.
        self.find_rate_where_hiring = INITIAL_FIND_RATE
        # Share of workers found at inspections who were fined or detained rather
        # than let go for a bribe: what employers hear of inspections.
        self.exposure_share = INITIAL_EXPOSURE_SHARE
        self.agents = [Employer(model, model.space[geo.districts[d]], i) for i, d in enumerate(self.district)]
        self.update_rules(None, model.rules)

    def update_rules(self, old, new) -> None:
        """Wages, demand levels and quota permits in force."""
        params, model = self.model.params, self.model
        self.wage = np.array([new.sectors[SECTORS[s]].wage_usd_per_day for s in self.sector])
        self.demand_factor = np.array(
            [
                new.sectors[s].peak_demand / params.sectors[s].peak_demand if params.sectors[s].peak_demand > 0 else 0.0
                for s in SECTORS
            ]
        )
        # the wage a job found pays, on average over the hands wanted
        self.mean_wage = float(
            np.average(self.wage, weights=np.maximum(self.base_demand * self.demand_factor[self.sector], 1e-12))
        )
        if old is None or new.employers.quota_permits != old.employers.quota_permits:
            # Permits are shared by demand and the sector's claim on the quota (in
            # people, then in agents with each employer's offset, so each employer
            # holds the same permits in expectation at any scale); a cut takes
            # effect as permits fall free (work in hand is not undone).
            people = _largest_remainder(new.employers.quota_permits, self.base_demand * self.quota_weight)
            self.permits = np.floor(people / model.scale + self.dither).astype(np.int64)

    def demand_by_district(self, t: int) -> np.ndarray:
        """Hands wanted today in each district (agents)."""
        wanted = self.base_demand * self.curves[self.sector, t] * self.demand_factor[self.sector]
        return np.bincount(self.district, weights=wanted, minlength=len(self.model.geo.districts))

    def open_to_migrants(self) -> np.ndarray:
        """Open jobs at each employer that it would give a migrant: it hires
        illegally (the job is worth more than the fine it expects), or it holds a
        free permit. Jobs an employer would not give a migrant at all are no news
        to migrants (locals may take them; they are not modelled)."""
        model = self.model
        open_jobs = np.maximum(self.target - model.jobs.employed, 0)
        fine = self.expected_fine()
        legal_cost = self.legal_cost(np.arange(len(open_jobs)), model.rules.migrants.job_horizon_days)
        legal = (self.permits > model.jobs.permits_used) & (legal_cost <= fine) & (self.margin > legal_cost)
        return np.where((self.margin > fine) | legal, open_jobs, 0)

    def legal_cost(self, employers: np.ndarray, days) -> np.ndarray:
        """What hiring under a permit adds per worker-day at these employers (US
        dollars): tax and social charges, and the permit's cost and paperwork
        spread over the ``days`` the worker will stay."""
        e = self.model.rules.employers
        return e.tax_share_of_wage * self.wage[employers] + e.permit_cost_usd / np.maximum(days, 1)

    def attraction(self, t: int) -> np.ndarray:
        """What draws a newcomer to a district: jobs open there to migrants (news
        from those already there) and, less, the size of its labour market."""
        open_jobs = np.bincount(self.district, weights=self.open_to_migrants(), minlength=len(self.model.geo.districts))
        return open_jobs + OPEN_JOB_PULL_OF_MARKET * self.demand_by_district(t)

    def set_demand(self, t: int) -> None:
        """Today's demand; employers with more hands than work let the rest go."""
        wanted = self.base_demand * self.curves[self.sector, t] * self.demand_factor[self.sector]
        self.target = np.floor(wanted + self.dither).astype(np.int64)
        jobs = self.model.jobs
        excess = np.maximum(jobs.employed - self.target, 0)
        if excess.any():
            # exactly the excess, chosen at random among each employer's workers
            workers = jobs.workers(self.model.population.n)
            workers = self.model.rng.permutation(workers[excess[jobs.employer[workers]] > 0])
            out = _first_per_group(workers, jobs.employer, excess, len(excess))
            self.release(out, t, dismissed=True)

    # ---- what employers expect of the police --------------------------------------------------

    def expected_fine(self) -> np.ndarray:
        """The fine each employer expects per illegal worker-day (US dollars): how
        often the police visit a site like its own, times the chance a worker there
        is found, times the share of those found who are fined or detained, times
        the fine per worker; scaled by how much this employer fears inspections."""
        police = self.model.rules.police
        visits = self.model.police.expected_site_visits()
        return visits * police.detection * self.exposure_share * police.employer_fine_usd * self.risk_view

    def hear_of_inspections(self, found: int, exposed: int) -> None:
        """Employers learn what share of the workers found were fined or detained."""
        if found:
            weight = 1.0 - np.exp(-found * self.model.scale / EXPOSURE_NEWS_PEOPLE)
            self.exposure_share += weight * (exposed / found - self.exposure_share)

    def release(self, slots: np.ndarray, t: int, dismissed: bool) -> None:
        """End the jobs of these people (dismissal, departure or detention): settle
        wages, hand back (most) passports; a dismissal changes the legal status."""
        model = self.model
        jobs, papers, book = model.jobs, model.papers, model.book
        slots = slots[jobs.employer[slots] >= 0]
        if len(slots) == 0:
            return
        emp = jobs.employer[slots]
        self.settle(slots, emp, t)
        status = book.status[slots]
        permitted = status == Status.PERMITTED
        kept = slots[papers.passport_kept[slots]]
        lost = kept[model.rng.random(len(kept)) >= model.rules.employers.passport_return]
        papers.hand_back_passports(kept, lost)
        jobs.end(slots, permitted, t, dismissed)
        if not dismissed:
            return
        validity = model.rules.registration.validity_days
        papers.register(slots[permitted], t + validity)
        # An illegal worker let go is back to whatever their papers say.
        illegal = slots[status == Status.IRREGULAR_WORK]
        registered = papers.reg_until[illegal] > t
        in_time = papers.deadline[illegal] > t
        to = np.where(registered, Status.REGISTERED, np.where(in_time, Status.ENTERED, Status.IRREGULAR_STAY))
        book.move(
            np.concatenate([slots[permitted], illegal]),
            np.concatenate([np.full(np.count_nonzero(permitted), Status.REGISTERED), to]),
            "dismissed",
        )

    def earned(self, slots: np.ndarray, emp: np.ndarray, until: int) -> np.ndarray:
        """Wages (US dollars a person) earned for the days from the last settling to ``until`` (excluded)."""
        return (until - self.model.jobs.paid_through[slots]) * self.wage[emp]

    def settle(self, slots: np.ndarray, emp: np.ndarray, t: int) -> None:
        """Pay what is owed on leaving the job (days before today), or (withholding
        employers, from irregular workers) keep it back."""
        model = self.model
        owed = self.earned(slots, emp, t)
        keeps = self.withholds[emp] & IRREGULAR_FREE[model.book.status[slots]]
        model.wallets.receive_wages(slots[~keeps], owed[~keeps])
        model.wallets.withhold(slots[keeps], owed[keeps])
        model.metrics.add("wages_withheld_usd", owed[keeps].sum() * model.scale)

    def hire(self, t: int) -> None:
        """Idle seasonal workers meet open jobs in their district, and each
        employer decides for each match: a legal hire under a free permit, an
        illegal hire, or leaving the job open (module docstring)."""
        model, rng = self.model, self.model.rng
        people, jobs, book, m = model.population, model.jobs, model.book, model.rules.migrants
        n_districts = len(model.geo.districts)
        open_jobs = self.open_to_migrants()
        idle = jobs.out_of_work(people.n)  # seasonal workers out of work (and the detained)
        seekers = idle[SEEKS_WORK[book.status[idle]]]
        jobs_by_district = np.bincount(self.district, weights=open_jobs, minlength=n_districts)
        # Some idle workers move to where the jobs are (the harvest pulls them south).
        model.migrants.move_to_work(seekers, jobs_by_district)
        seekers_by_district = np.bincount(people.district[seekers], minlength=n_districts)
        # Search: each member of the scarcer side (open jobs or seekers) of a district
        # is matched today with the chance that at least one of the members of the
        # other side it could meet (as many as there are per member of its own side)
        # finds it. Depending only on the smaller count and the ratio of the two,
        # the number of matches in people is the same in expectation at any scale.
        jobs_int = jobs_by_district.astype(np.int64)
        fewer = np.minimum(seekers_by_district, jobs_int)
        ratio = np.maximum(seekers_by_district, jobs_int) / np.maximum(fewer, 1)
        matches = rng.binomial(fewer, 1.0 - (1.0 - m.job_search_rate) ** ratio)
        if matches.sum() == 0:
            self._after_hiring(len(seekers), seekers_by_district, np.zeros(n_districts))
            return
        workers = _first_per_group(rng.permutation(seekers), people.district, matches, n_districts)
        slots = np.repeat(np.arange(len(self.target)), open_jobs)
        slots = _first_per_group(rng.permutation(slots), self.district, matches, n_districts)
        # workers and job slots are both ordered by district: pair them row by row.
        status = book.status[workers]
        card = status == Status.AMNESTY_CARD  # may work for anyone, no permit needed
        papers_ok = ((status == Status.ENTERED) | (status == Status.REGISTERED)) & ~model.papers.documents_lost[workers]
        # The employer's reckoning, per worker-day.
        fine = self.expected_fine()[slots]
        legal_cost = self.legal_cost(slots, people.leave_day[workers] - t)
        prefers_legal = papers_ok & (legal_cost <= fine) & (self.margin[slots] > legal_cost)
        free = self.permits - jobs.permits_used
        legal = prefers_legal & (_rank_within(slots, prefers_legal) < free[slots])
        illegal = ~(legal | card) & (self.margin[slots] > fine)
        # a card holder is a legal worker needing no permit: worth it if the job beats the tax
        card &= self.margin[slots] > model.rules.employers.tax_share_of_wage * self.wage[slots]
        hired = legal | illegal | card
        workers, slots, legal, illegal, card = workers[hired], slots[hired], legal[hired], illegal[hired], card[hired]
        jobs.hire(workers, slots, legal, t)
        people.worked_in(workers, self.district[slots])
        book.move(workers[legal], Status.PERMITTED, "hired_with_permit")
        model.papers.register(workers[legal], FAR)  # the permit is the registration
        newly_illegal = workers[illegal & (book.status[workers] != Status.IRREGULAR_STAY)]
        book.move(newly_illegal, Status.IRREGULAR_WORK, "hired_without_permit")
        model.papers.take_passports(workers[illegal & self.keeps_passports[slots]])
        model.metrics.add("hires_legal", int(np.count_nonzero(legal | card)) * model.scale)
        model.metrics.add("hires_illegal", int(np.count_nonzero(illegal)) * model.scale)
        hires_by_district = np.bincount(people.district[workers], minlength=n_districts)
        self._after_hiring(len(seekers) - len(workers), seekers_by_district, hires_by_district)

    def _after_hiring(self, still_idle: int, seekers: np.ndarray, hires: np.ndarray) -> None:
        self.idle_after_hiring = still_idle
        self.unfilled = int(np.maximum(self.target - self.model.jobs.employed, 0).sum())
        # Those still looking, and those who went home today without work, tell of it.
        looking = still_idle + self.model.migrants.gave_up_today
        open_jobs = int(self.open_to_migrants().sum())
        news = open_jobs / (open_jobs + looking) if open_jobs + looking > 0 else 0.0
        weight = 1.0 / self.model.rules.migrants.news_days
        self.prospects += weight * (news - self.prospects)
        # Idle workers see how many seekers around them found work lately.
        self.seekers_seen += weight * (seekers - self.seekers_seen)
        self.hires_seen += weight * (hires - self.hires_seen)
        self.find_rate = self.hires_seen / np.maximum(self.seekers_seen, 1e-9)
        # Idle workers hear how fast work is found from those who found it: each
        # district's find rate, weighted by its hires. Seekers stuck where nobody is
        # hired do not pull it down (they move to the work, ``move_to_work``), so a
        # coarse run's few agents stranded in the wrong district do not either.
        self.find_rate_where_hiring = float(self.hires_seen @ self.find_rate) / max(self.hires_seen.sum(), 1e-12)

    def pay(self, t: int) -> None:
        """Legal workers' wages are taxed every day. Pay day is the first of the
        month: wages earned since the last one are paid; a withholding employer
        pays only part and keeps the rest back."""
        model, people, jobs = self.model, self.model.population, self.model.jobs
        wages = float((jobs.permits_used * self.wage).sum())
        if model.amnesty.cards_issued:
            holders = jobs.workers(people.n)
            holders = holders[model.book.status[holders] == Status.AMNESTY_CARD]
            wages += float(self.wage[jobs.employer[holders]].sum())
        model.metrics.add("tax_usd", wages * model.scale * model.rules.employers.tax_share_of_wage)
        if model.dates[t].day != 1:
            return
        workers = jobs.workers(people.n)
        emp = jobs.employer[workers]
        owed = self.earned(workers, emp, t + 1)  # up to and including today
        jobs.settled(workers, t + 1)
        # A withholding employer keeps back part of the pay of workers who cannot
        # complain to the authorities (those working irregularly).
        cheated = self.withholds[emp] & IRREGULAR_FREE[model.book.status[workers]]
        held = np.where(cheated, owed * model.rules.employers.withheld_fraction, 0.0)
        model.wallets.receive_wages(workers, owed - held)
        model.wallets.withhold(workers, held)
        model.metrics.add("wages_withheld_usd", held.sum() * model.scale)

    def consider_amnesty(self, t: int) -> None:
        """While a window is open, each employer weighs filing for the workers it
        knows to be eligible (module docstring) and, if it pays, puts their
        applications together, a few days each."""
        window = self.model.rules.amnesty
        if window is None:
            return
        model, office = self.model, self.model.amnesty
        people, jobs, n = model.population, model.jobs, len(self.target)
        workers = jobs.workers(people.n)
        workers = workers[IRREGULAR_FREE[model.book.status[workers]] & ~office.filed[workers]]
        if len(workers) == 0:
            return
        emp = jobs.employer[workers]
        known_eligible = office.eligible_on_papers(workers, window)
        fine = self.expected_fine()[emp]
        days = np.maximum(people.leave_day[workers] - t, 0)
        tax = model.rules.employers.tax_share_of_wage * self.wage[emp]
        # Per eligible worker: fines no longer risked, against tax from now on and the paperwork.
        net = np.where(known_eligible, (fine * window.employer_exempt - tax) * days - window.paperwork_usd, 0.0)
        worth = known_eligible & (net > 0)
        # Coming forward draws the police to the workers it cannot file for.
        attention = np.where(~known_eligible, (window.attention_factor - 1.0) * fine * days, 0.0)
        files = np.bincount(emp, weights=np.where(worth, net, 0.0), minlength=n) > np.bincount(
            emp, weights=attention, minlength=n
        )
        chosen = workers[worth & files[emp]]
        office.file(chosen[model.rng.random(len(chosen)) < 1.0 / window.filing_days])


def _first_per_group(items: np.ndarray, group_of: np.ndarray, take: np.ndarray, n_groups: int) -> np.ndarray:
    """The first ``take[g]`` items of each group g (items keep their order within
    a group), concatenated in group order."""
    groups = group_of[items].astype(key_type(n_groups), copy=False)
    order = np.argsort(groups, kind="stable")
    items, groups = items[order], groups[order]
    starts = np.searchsorted(groups, np.arange(n_groups))
    index = np.repeat(starts, take) + _ranks(take)
    return items[index]


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for each count c, concatenated."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def _rank_within(keys: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each position, how many earlier masked positions share its key."""
    rank = np.zeros(len(keys), dtype=np.int64)
    idx = np.flatnonzero(mask)
    if len(idx):
        k = keys[idx].astype(key_type(int(keys.max())), copy=False)
        order = np.argsort(k, kind="stable")
        sorted_keys = k[order]
        starts = np.searchsorted(sorted_keys, sorted_keys)
        rank[idx[order]] = np.arange(len(idx)) - starts
    return rank
