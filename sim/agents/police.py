"""Migration police: inspections of workplaces, checks on roads, trains, markets
and at the border, and what follows when an irregular migrant is found
(docs/sources.md: legal aid monitoring; NGO expert report; 2009 cable).

``PoliceUnit`` agents decide where to look (one unit per district inspects its
workplaces; a mobile unit works roads, trains and markets). ``Enforcement`` holds
what happens to the people found, an encounter decided by the people in it:

- the unit's **orders** say whom to detain for deportation (people without
  papers, banned people, repeat offenders, or everyone); the others are fined,
  and someone who cannot pay the fine is detained;
- an officer open to a bribe asks for a share of what the official outcome
  would cost the migrant; the migrant pays if they have the cash (a bribe is
  cheaper), so a migrant with no cash is never let go for a bribe;
- detention needs a free **place**; deportation needs **transport**, so detained
  people wait for it. With no place free, those who cannot be fined are let go.

The mix of bribes, fines, deportations and releases is therefore an outcome of
orders, capacities, and the cash and papers of the people found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from migsim.capacity import ServiceCapacity
from migsim.draws import sample, stochastic_round
from migsim.schema import SECTORS
from migsim.status import IRREGULAR, Status

if TYPE_CHECKING:
    from migsim.model import MigrationModel


class PoliceUnit(mesa.discrete_space.FixedAgent):
    """A district's migration police (inspects workplaces), or the mobile unit
    (district None: stops people at markets, on roads and trains)."""

    def __init__(self, model: MigrationModel, cell, district: int | None, share: float):
        super().__init__(model)
        self.cell = cell
        self.district = district
        self.share = share  # of the oblast's workplace inspections (where the jobs are)
        self.inspections_per_day = 0.0  # set from the rules in force
        self.visits_today = 0  # drawn for all units at once by Enforcement.patrol

    def step(self) -> None:
        police = self.model.police
        if self.district is None:
            police.street_checks(self.model.t)
            return
        visits = self.visits_today
        if visits == 0:
            return
        # Sites in sectors this police targets (whether or not migrants work there
        # today: the police cannot know); bigger sites, and employers known from
        # amnesty filings, more often.
        here = police.sites_of[self.district]
        visits = min(visits, len(here))
        if visits == 0:
            return
        # Weighted choice without replacement: the largest of log(weight) + Gumbel noise.
        keys = np.log(police.site_weight(here)) + self.model.rng.gumbel(size=len(here))
        police.sites_today.extend(here[np.argpartition(-keys, visits - 1)[:visits]])


class Enforcement:
    """What the police do with the people they find (module docstring)."""

    def __init__(self, model: MigrationModel):
        self.model = model
        self.sites_today: list[int] = []  # employers the district units chose to inspect today
        self.unit_list: list[PoliceUnit] = []
        self.free_places = 0  # detention places free today (agents)
        self.update_rules(None, model.rules)

    @property
    def p(self):
        """The police rules in force today."""
        return self.model.rules.police

    def update_rules(self, old, new) -> None:
        self.sector_weight = np.array([new.sectors[s].inspection_weight for s in SECTORS])
        self.ban_days = round(new.police.entry_ban_years * 365)
        for unit in self.unit_list:
            unit.inspections_per_day = unit.share * new.police.workplace_inspections_per_day
        self.unit_rates = np.array([u.inspections_per_day for u in self.unit_list])
        self.orders = set(new.police.detain)
        if old is None or new.police.deportations_per_day != old.police.deportations_per_day:
            self.transport = ServiceCapacity(new.police.deportations_per_day, self.model.scale)
        self._visits = None  # expected_site_visits under these orders
        book = self.model.employers
        self.site_base_weight = self.sector_weight[book.sector] * np.sqrt(book.base_demand)  # before amnesty filings
        targeted = self.sector_weight[book.sector] > 0
        self.sites_of = [np.flatnonzero((book.district == d) & targeted) for d in range(len(self.model.geo.districts))]

    def units(self) -> list[PoliceUnit]:
        """One unit per district, inspections shared by where the jobs are; one mobile unit."""
        model = self.model
        geo = model.geo
        demand = model.employers.base_demand * (self.sector_weight[model.employers.sector] > 0)
        by_district = np.bincount(model.employers.district, weights=demand, minlength=len(geo.districts))
        share = by_district / by_district.sum() if by_district.sum() > 0 else np.full(len(geo.districts), 1 / len(geo.districts))
        units = [PoliceUnit(model, model.space[d], i, share[i]) for i, d in enumerate(geo.districts)]
        units.append(PoliceUnit(model, model.space[geo.districts[0]], None, 0.0))
        self.unit_list = units
        self.update_rules(None, model.rules)
        return units

    # ---- where the police look ----------------------------------------------------------------

    def site_weight(self, employers: np.ndarray) -> np.ndarray:
        """How strongly a district unit is drawn to each site: its sector's
        targeting weight, the square root of its size, and more if it came forward
        in an amnesty."""
        model = self.model
        weight = self.site_base_weight[employers]
        if model.rules.amnesty is None:
            return weight
        return np.where(model.amnesty.came_forward[employers], weight * model.rules.amnesty.attention_factor, weight)

    def expected_site_visits(self) -> np.ndarray:
        """Expected inspections a day at each employer's site, under today's orders
        (what employers reckon with)."""
        # They change only with the orders (``update_rules`` forgets them) and with
        # amnesty filings, which only ever add employers: their count tells.
        came_forward = int(np.count_nonzero(self.model.amnesty.came_forward))
        if self._visits is None or self._visits[0] != came_forward:
            book = self.model.employers
            weight = self.site_weight(np.arange(len(book.sector)))
            total = np.bincount(book.district, weights=weight, minlength=len(self.unit_rates) - 1)
            self._visits = (came_forward, self.unit_rates[book.district] * weight / np.maximum(total[book.district], 1e-12))
        return self._visits[1]

    def patrol(self, t: int) -> None:
        """The day's police work: how many sites each district unit visits (one
        vectorised draw), each unit on duty choosing where to go (its ``step``),
        then the inspections of the chosen sites."""
        for unit, visits in zip(self.unit_list, self.model.rng.poisson(self.unit_rates), strict=True):
            unit.visits_today = int(visits)
            if visits or unit.district is None:  # the mobile unit is always out
                unit.step()
        self.inspect_workplaces(t)

    def inspect_workplaces(self, t: int) -> None:
        """The sites the district units chose today: irregular workers there may be
        found; employers are fined for each illegal worker fined or detained."""
        model = self.model
        employers = np.array(self.sites_today, dtype=np.int64)
        self.sites_today.clear()
        if len(employers) == 0:
            return
        inspected = np.zeros(len(model.employers.target) + 1, dtype=bool)  # last entry: no employer (-1)
        inspected[employers] = True
        workers = model.jobs.workers(model.population.n)
        workers = workers[inspected[model.jobs.employer[workers]]]
        irregular = workers[IRREGULAR[model.book.status[workers]]]
        found = model.rng.permutation(
            irregular[model.rng.random(len(irregular)) < self.p.detection]
        )  # no order of arrival at detention
        model.metrics.add("inspections", len(employers))
        fined = self.encounter(found, t) & ~model.amnesty.exempts(found)
        exposed = int(np.count_nonzero(fined))
        model.employers.hear_of_inspections(len(found), exposed)
        model.metrics.add("employer_fines", exposed * model.scale)
        model.metrics.add("employer_fines_usd", float(exposed) * model.scale * self.p.employer_fine_usd)

    def street_checks(self, t: int) -> None:
        """Stops at markets, on roads and trains: papers are checked, so people
        without a valid registration may be caught."""
        book = self.model.book
        stopped = sample(self.model.rng, self.model.population.present(), self.p.street_check_rate)
        self.encounter(stopped[book.status[stopped] == Status.IRREGULAR_STAY], t)

    def check_routes(self, newcomers: np.ndarray, t: int) -> None:
        """Mobile units on bypass roads and trains check today's irregular entrants."""
        self.encounter(newcomers[self.model.rng.random(len(newcomers)) < self.p.route_check_rate], t)

    def check_traders(self, traders: np.ndarray, t: int) -> None:
        """Day traders are legal, but an officer at a market may shake them down
        (paid from the day's takings, which the model does not follow: counted only)."""
        model, rng, p = self.model, self.model.rng, self.p
        stopped = sample(rng, traders, p.street_check_rate)
        shaken = int((rng.random(len(stopped)) < p.corruption_share).sum())
        model.metrics.add("trader_shakedowns", shaken * model.scale)
        model.metrics.add("bribe_usd", shaken * model.scale * p.bribe_ask_share * p.fine_usd)

    def screen_entries(self, slots: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        """At the crossing: banned people are mostly turned back; the rest of them
        slip through on bypass roads and are irregular from the first day. Barriers
        at entry turn back a share of everyone.
        Returns (admitted, evading) masks over slots."""
        model, rng = self.model, self.model.rng
        banned = model.records.ban_until[slots] > t
        turned_back = (banned & (rng.random(len(slots)) < self.p.banned_turned_back)) | (
            rng.random(len(slots)) < self.p.entry_refusal_share
        )
        model.metrics.add("turned_back", int(np.count_nonzero(turned_back)) * model.scale)
        return ~turned_back, banned

    def check_exits(self, leavers: np.ndarray, t: int) -> np.ndarray:
        """Irregular leavers checked at the border post; returns those deported
        there (at once, with a ban) instead of leaving freely."""
        checked = leavers[self.model.rng.random(len(leavers)) < self.p.exit_check_rate]
        detained = checked[self.encounter(checked, t, at_exit=True)[1]] if len(checked) else checked
        return detained

    # ---- an encounter -------------------------------------------------------------------------

    def encounter(self, found: np.ndarray, t: int, at_exit: bool = False):
        """What happens to irregular people the police found (module docstring).
        Returns a mask over ``found`` of those fined or detained (their employer is
        exposed); at an exit check, (that mask, the detained mask)."""
        model, rng, p = self.model, self.model.rng, self.p
        n = len(found)
        if n == 0:
            empty = np.zeros(0, dtype=bool)
            return (empty, empty) if at_exit else empty
        book, records, papers, wallets = model.book, model.records, model.papers, model.wallets
        unregistered = book.status[found] == Status.IRREGULAR_STAY
        records.caught(found, unregistered)
        model.beliefs.alarm(found, model.rules.migrants.alarm_factor)
        # The orders: whom to detain for deportation.
        orders = self.orders
        to_detain = np.full(n, "all" in orders)
        if "without_papers" in orders:
            to_detain |= ~papers.in_hand(found)
        if "banned" in orders:
            to_detain |= records.evaded_ban[found]
        if "repeat" in orders:
            to_detain |= records.violations[found] > 0
        cash = wallets.savings[found]
        # An officer open to a bribe asks a share of what the official outcome costs the migrant.
        penalty = np.where(to_detain, model.rules.migrants.deportation_cost_usd, p.fine_usd)
        ask = p.bribe_ask_share * penalty
        bribe = (rng.random(n) < p.corruption_share) & (cash >= ask) & (ask > 0)
        official = ~bribe
        can_pay = cash >= p.fine_usd
        detain = official & (to_detain | ~can_pay)
        if not at_exit:  # detention needs a free place; at the border post deportation is at once
            rank = np.cumsum(detain)
            over = detain & (rank > self.free_places)
            detain &= ~over
            self.free_places -= int(np.count_nonzero(detain))
        fine = official & ~detain & can_pay
        let_go = official & ~detain & ~can_pay
        self.extort(found[bribe], ask[bribe], t)
        fined = found[fine]
        records.record_violation(fined)
        wallets.take(fined, p.fine_usd)
        records.paid(fined, p.fine_usd)
        model.metrics.add("fines", len(fined) * model.scale)
        model.metrics.add("fines_usd", len(fined) * model.scale * p.fine_usd)
        model.metrics.add("released", int(np.count_nonzero(let_go)) * model.scale)
        held = found[detain]
        records.record_violation(held)
        model.employers.release(held, t, dismissed=False)
        book.move(held, Status.DETAINED, "detained")
        if at_exit:
            self.deport(held, t)
            return fine | detain, detain
        records.detain(held, t + p.detention_days)
        return fine | detain

    def extort(self, slots: np.ndarray, amounts: np.ndarray, t: int) -> None:
        """A bribe paid by a migrant who was caught."""
        model = self.model
        model.wallets.take(slots, amounts)
        model.records.extorted(slots, amounts, t)
        model.metrics.add("bribes", len(slots) * model.scale)
        model.metrics.add("bribe_usd", float(amounts.sum()) * model.scale)

    # ---- detention and deportation --------------------------------------------------------------

    def deport(self, slots: np.ndarray, t: int) -> None:
        self.model.records.deport(slots, t + self.ban_days)
        self.model.migrants.end_stay(slots, t, deported=True)
        self.model.book.move(slots, Status.HOME, "deported")

    def deport_detained(self, t: int) -> None:
        """Transport takes detained people whose papers are ready, first held
        first, up to its capacity; the places they leave are free for today."""
        model, p = self.model, self.p
        n = model.population.n
        held = np.flatnonzero(model.book.status[:n] == Status.DETAINED)
        ready = held[model.records.detained_until[held] <= t]
        ready = ready[np.argsort(model.records.detained_until[ready], kind="stable")]
        going = ready[: self.transport.serve(len(ready))]
        self.deport(going, t)
        self.free_places = stochastic_round(model.rng, p.detention_places / model.scale) - (len(held) - len(going))
